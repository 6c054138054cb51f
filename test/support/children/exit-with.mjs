// Test child that ends with a chosen status: `exit-with.mjs 3` exits with code 3,
// `exit-with.mjs SIGSEGV` dies of that signal, so tests can check how vault-exec reports both.
const arg = process.argv[2] ?? '0';

if (/^SIG[A-Z0-9]+$/.test(arg)) {
  // Node starts with some signals ignored (SIGPIPE). Adding and then removing a listener makes
  // libuv restore the default disposition, so the self-kill below really terminates the process.
  // SIGKILL and SIGSTOP cannot have listeners (and need no restoring).
  if (arg !== 'SIGKILL' && arg !== 'SIGSTOP') {
    const noop = () => {};
    process.removeAllListeners(arg);
    process.on(arg, noop);
    process.removeListener(arg, noop);
  }
  process.kill(process.pid, arg);
  // Signals whose default action is "ignore" (SIGCHLD, SIGWINCH...) cannot kill us; fail loudly
  // instead of leaving a test waiting for a death that never comes.
  setTimeout(() => {
    process.stderr.write(`exit-with: still alive after ${arg}\n`);
    process.exit(70);
  }, 5000);
} else {
  process.exit(Number(arg));
}
