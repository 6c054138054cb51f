// Test child that reports every signal it receives, so tests can check which signals vault-exec forwards.
// Prints `PID <pid>` then `READY`; each signal prints `SIGNAL <NAME>`. SIGTERM/SIGINT end it with
// exit code $EXIT_ON_TERM (default 0) so tests can check that vault-exec propagates the child's status.
const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
const exitCode = process.env.EXIT_ON_TERM ? Number(process.env.EXIT_ON_TERM) : 0;

for (const name of SIGNALS) {
  process.on(name, () => {
    // Exit only once the line is flushed, otherwise the test could miss the last SIGNAL line.
    process.stdout.write(`SIGNAL ${name}\n`, () => {
      if (name === 'SIGTERM' || name === 'SIGINT') process.exit(exitCode);
    });
  });
}

// Handlers are installed before READY so a test may signal as soon as it sees READY.
process.stdout.write(`PID ${process.pid}\nREADY\n`);
setInterval(() => {}, 1 << 30);
