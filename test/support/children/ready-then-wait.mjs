// Test child that reports every signal it receives, so tests can check which signals vault-exec forwards.
// Prints `PID <pid>` then `READY`; each signal prints `SIGNAL <NAME>`. SIGTERM/SIGINT end it with
// exit code $EXIT_ON_TERM (default 0) so tests can check that vault-exec propagates the child's status;
// a signal named in $KEEP_RUNNING_ON (comma-separated, e.g. SIGINT) is reported but does not end it.
import { constants } from 'node:os';

// Every signal vault-exec forwards (src/child/signals.ts), where the platform has it.
const SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTRAP',
  'SIGABRT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCONT',
  'SIGTSTP',
  'SIGURG',
  'SIGXCPU',
  'SIGVTALRM',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
].filter((name) => name in constants.signals);
const exitCode = process.env.EXIT_ON_TERM ? Number(process.env.EXIT_ON_TERM) : 0;
const keepRunningOn = new Set((process.env.KEEP_RUNNING_ON ?? '').split(','));

for (const name of SIGNALS) {
  process.on(name, () => {
    // Exit only once the line is flushed, otherwise the test could miss the last SIGNAL line.
    process.stdout.write(`SIGNAL ${name}\n`, () => {
      if ((name === 'SIGTERM' || name === 'SIGINT') && !keepRunningOn.has(name)) process.exit(exitCode);
    });
  });
}

// Handlers are installed before READY so a test may signal as soon as it sees READY.
process.stdout.write(`PID ${process.pid}\nREADY\n`);
setInterval(() => {}, 1 << 30);
