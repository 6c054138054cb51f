// The process's own wiring, in the one order it must happen: signal handlers first, then the
// guarded stdout/stderr. main.ts calls this before anything else runs.
import { isatty } from 'node:tty';
import { inTerminalForeground } from './child/job-control';
import {
  IGNORED_SIGNALS,
  catchableSignals,
  endsRunWithoutChild,
  signalExitCode,
  type ForwardedSignal,
} from './child/signals';
import { guardTerminalWrites } from './child/terminal';
import { EXIT } from './util/exit-codes';
import { createRedactor, guardStream, writeUnguarded, type Redactor } from './util/log';

export interface ProcessIo {
  /** stdin is a terminal (see child/signals.ts). */
  terminal: boolean;
  redactor: Redactor;
  /** Where process signals go from now on. */
  routeSignals(handler: (signal: ForwardedSignal) => void): void;
  /** `vault-exec env`'s output, unmasked, settling once written. */
  writeValues(text: string): Promise<void>;
  /** Runs `hook` (synchronous) at the process's exit, whichever way; returns its unregistration. */
  onExit(hook: () => void): () => void;
}

/**
 * - Node opens its inspector on SIGUSR1 by default. Installing our own listener replaces that
 *   behaviour, so a SIGUSR1 meant for the child can never open a debugger port in vault-exec.
 * - Until something routes them, signals act as their default action would: most end vault-exec at
 *   once with 128+N, SIGWINCH and the like change nothing. run() routes them from its first step
 *   that talks to Vault, so what that step obtains is revoked before the exit.
 * - In terminal mode (stdin is a TTY) SIGTSTP keeps its default, so Ctrl-Z stops us with the child.
 */
export function installProcessIo(): ProcessIo {
  const terminal = isatty(0);
  let route: (signal: ForwardedSignal) => void = (signal) => {
    if (endsRunWithoutChild(signal)) process.exit(signalExitCode(signal));
  };
  for (const signal of catchableSignals(terminal))
    process.on(signal, () => {
      route(signal);
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
  guardOnFirstUse('stderr', (stream) => {
    guardStream(stream, redactor);
    guardTerminalWrites(stream, 2);
  });
  guardOnFirstUse('stdout', (stream) => {
    guardStream(stream, redactor);
    guardTerminalWrites(stream, 1);
  });
  return {
    terminal,
    redactor,
    routeSignals: (handler) => (route = handler),
    writeValues: writeValuesToStdout,
    // 'exit' also runs on the process.exit of an internal error above, where no finally runs.
    onExit: (hook) => {
      process.on('exit', hook);
      return () => void process.off('exit', hook);
    },
  };
}

/**
 * Guards process.stdout or process.stderr the moment anything first takes it, before its first write.
 * Node makes the stream only then, and for a pipe (a container's log) that costs some 0.7 ms; a start
 * that writes nothing of its own (the child inherits the descriptors) need not pay it.
 */
function guardOnFirstUse(name: 'stdout' | 'stderr', guard: (stream: NodeJS.WriteStream) => void): void {
  const original = Object.getOwnPropertyDescriptor(process, name);
  const open = original?.get;
  if (open === undefined || original?.configurable !== true) return guard(process[name]);
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: original.enumerable,
    get() {
      const stream = open.call(process) as NodeJS.WriteStream;
      // Node's getter keeps the one stream it made: from now on it answers again.
      Object.defineProperty(process, name, original);
      guard(stream);
      return stream;
    },
  });
}

/**
 * The next step depends on all of `env`'s output, so a write that fails (the reader went away, a
 * full disk) must fail the command. The error comes to the callback; the stream's own 'error' event,
 * which would otherwise crash the process, is then nothing new.
 */
function writeValuesToStdout(text: string): Promise<void> {
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => {});
  return new Promise((resolve, reject) =>
    writeUnguarded(process.stdout, text, (error) => (error ? reject(error) : resolve())),
  );
}
