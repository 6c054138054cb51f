// Which signals vault-exec catches and forwards, which it drops, and what each means while a child runs:
// stop, forward, or already delivered by the terminal.
import { constants } from 'node:os';

/**
 * Every signal vault-exec catches and passes on to the child, as tini does. What is left out, and why:
 * - SIGKILL, SIGSTOP: cannot be caught. Real-time signals (34–64): Node cannot listen for them, so one
 *   sent to vault-exec takes its default action (vault-exec ends at once; as PID 1 the kernel drops it).
 * - SIGBUS, SIGFPE, SIGSEGV, SIGILL: Node's docs say a JS listener is unsafe after a real fault.
 * - SIGPIPE, SIGXFSZ: Node ignores them, and vault-exec's own write to a closed pipe or past the file
 *   size limit raises them; a listener would turn our logging problem into a signal for the child.
 * - SIGPROF: V8's sampling profiler (--prof, --cpu-prof) signals the process with it; a listener would
 *   forward every sample.
 * - SIGCHLD: it is about our children, not for them.
 * - SIGTTIN, SIGTTOU: caught and dropped (IGNORED_SIGNALS), so vault-exec is never stopped for touching
 *   the terminal while the child owns it.
 * Unlike tini, SIGABRT, SIGTRAP and SIGSYS are forwarded: Node does not count them as unsafe, and an
 * abort() of vault-exec's own still ends it (abort re-raises with the default action).
 * Names missing on the platform (SIGPWR, SIGSTKFLT outside Linux) are skipped by `catchableSignals`.
 */
export const FORWARDED_SIGNALS = [
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
] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

export const IGNORED_SIGNALS = ['SIGTTIN', 'SIGTTOU'] as const;

/**
 * The terminal (or the shell's `fg`) sends these to the whole foreground process group, which holds
 * the child too, so in terminal mode vault-exec does not send them a second time. SIGTSTP is not caught
 * at all in terminal mode: Ctrl-Z must stop vault-exec with its child, so the shell gets the job back.
 */
export const TERMINAL_SIGNALS: ReadonlySet<ForwardedSignal> = new Set([
  'SIGINT',
  'SIGQUIT',
  'SIGWINCH',
  'SIGCONT',
  'SIGTSTP',
]);

/** Signals whose default action is not to terminate: with no child to pass them to, they change nothing. */
const HARMLESS_WITHOUT_CHILD: ReadonlySet<ForwardedSignal> = new Set([
  'SIGWINCH',
  'SIGCONT',
  'SIGURG',
  'SIGTSTP',
]);

/**
 * What a signal means while a child runs: `stop` starts the shutdown timeline (forward, kill timer),
 * `forward` passes it on, `delivered` means the terminal already gave it to the child.
 * A terminal hang-up (SIGHUP) ends an interactive session, so there it stops; elsewhere it is the
 * usual "reload" and is only forwarded.
 */
export type SignalRole = 'stop' | 'forward' | 'delivered';

export function roleOf(signal: ForwardedSignal, terminal: boolean): SignalRole {
  if (terminal) {
    if (TERMINAL_SIGNALS.has(signal)) return 'delivered';
    return signal === 'SIGTERM' || signal === 'SIGHUP' ? 'stop' : 'forward';
  }
  return signal === 'SIGTERM' || signal === 'SIGINT' ? 'stop' : 'forward';
}

/** Whether a signal that finds no child ends vault-exec, as its default action would have. */
export function endsRunWithoutChild(signal: ForwardedSignal): boolean {
  return !HARMLESS_WITHOUT_CHILD.has(signal);
}

/** The signals main.ts listens for: forwarded ones minus SIGTSTP in terminal mode, existing names only. */
export function catchableSignals(terminal: boolean): ForwardedSignal[] {
  return FORWARDED_SIGNALS.filter(
    (signal) => signal in constants.signals && !(terminal && signal === 'SIGTSTP'),
  );
}

/** The shell convention (and tini's): a child killed by signal N exits 128+N. */
export function signalExitCode(signal: string): number {
  const number = constants.signals[signal as keyof typeof constants.signals];
  return 128 + (number ?? 0);
}
