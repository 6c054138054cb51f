import { FORWARDED_SIGNALS, signalExitCode, type ForwardedSignal } from './child/signals';
import { EXIT } from './exit-codes';
import { createRedactor, guardStream, writeUnguarded } from './log';
import { run } from './run';

/**
 * Signal handlers are installed before anything else runs:
 * - Node opens its inspector on SIGUSR1 by default. Installing our own listener replaces that
 *   behaviour, so a SIGUSR1 meant for the child can never open a debugger port in vault-exec.
 * - Until the supervisor exists, a stop signal ends vault-exec at once with 128+N, as if we had none.
 */
let routeSignal: (signal: ForwardedSignal) => void = (signal) => {
  if (signal !== 'SIGWINCH') process.exit(signalExitCode(signal));
};
for (const signal of FORWARDED_SIGNALS) process.on(signal, () => routeSignal(signal));

process.on('uncaughtException', (error) => {
  process.stderr.write(`vault-exec: internal error, please report it: ${error.stack ?? String(error)}\n`);
  process.exit(EXIT.internal);
});

const redactor = createRedactor();
guardStream(process.stderr, redactor);
guardStream(process.stdout, redactor);

run(process.argv.slice(2), {
  env: process.env,
  writeStdout: (text) => process.stdout.write(text),
  writeStderr: (text) => process.stderr.write(text),
  onSignals: (handler) => (routeSignal = handler),
  isPidOne: process.pid === 1,
  redactor,
  writeValues: (text) => writeUnguarded(process.stdout, text),
  stdoutIsTerminal: process.stdout.isTTY === true,
}).then((code) => process.exit(code));
