import { isatty } from 'node:tty';
import {
  IGNORED_SIGNALS,
  catchableSignals,
  endsRunWithoutChild,
  signalExitCode,
  type ForwardedSignal,
} from './child/signals';
import { inTerminalForeground } from './child/job-control';
import { guardTerminalWrites } from './child/terminal';
import { EXIT } from './util/exit-codes';
import { createRedactor, guardStream, writeUnguarded } from './util/log';
import { run } from './run';

/**
 * Signal handlers are installed before anything else runs (signals.ts lists them and says why):
 * - Node opens its inspector on SIGUSR1 by default. Installing our own listener replaces that
 *   behaviour, so a SIGUSR1 meant for the child can never open a debugger port in vault-exec.
 * - Until the supervisor exists, a signal acts as its default action would: most end vault-exec at
 *   once with 128+N, SIGWINCH and the like change nothing.
 * - In terminal mode (stdin is a TTY) SIGTSTP keeps its default, so Ctrl-Z stops us with the child.
 */
const terminal = isatty(0);
let routeSignal: (signal: ForwardedSignal) => void = (signal) => {
  if (endsRunWithoutChild(signal)) process.exit(signalExitCode(signal));
};
for (const signal of catchableSignals(terminal))
  process.on(signal, () => {
    routeSignal(signal);
    // stdin is redirected, yet we are a terminal's foreground job: Ctrl-Z stops us with the child.
    if (signal === 'SIGTSTP' && inTerminalForeground()) process.kill(process.pid, 'SIGSTOP');
  });
// A listener, not SIG_IGN (Node has no way to ignore a signal): enough that these never stop us.
for (const signal of IGNORED_SIGNALS) process.on(signal, () => {});

process.on('uncaughtException', (error) => {
  process.stderr.write(`vault-exec: internal error, please report it: ${error.stack ?? String(error)}\n`);
  process.exit(EXIT.internal);
});

const redactor = createRedactor();
guardStream(process.stderr, redactor);
guardStream(process.stdout, redactor);
guardTerminalWrites(process.stderr, 2);
guardTerminalWrites(process.stdout, 1);

run(process.argv.slice(2), {
  env: process.env,
  writeStdout: (text) => process.stdout.write(text),
  writeStderr: (text) => process.stderr.write(text),
  onSignals: (handler) => (routeSignal = handler),
  isPidOne: process.pid === 1,
  terminal,
  redactor,
  writeValues: (text) => writeValuesToStdout(text),
  stdoutIsTerminal: process.stdout.isTTY === true,
}).then((code) => process.exit(code));

/**
 * `vault-exec env`'s output: the next step depends on all of it, so a write that fails (the reader
 * went away, a full disk) must fail the command. The error comes to the callback; the stream's own
 * 'error' event, which would otherwise crash the process, is then nothing new.
 */
function writeValuesToStdout(text: string): Promise<void> {
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => {});
  return new Promise((resolve, reject) =>
    writeUnguarded(process.stdout, text, (error) => (error ? reject(error) : resolve())),
  );
}
