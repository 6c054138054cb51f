import { constants } from 'node:os';

/** Signals vault-exec passes on to the child. SIGCHLD is never forwarded; SIGKILL/SIGSTOP cannot be caught. */
export const FORWARDED_SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTERM',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** These start the shutdown timeline: forward, wait --kill-timeout, then SIGKILL. */
export const STOP_SIGNALS: ReadonlySet<ForwardedSignal> = new Set(['SIGTERM', 'SIGINT']);

/** The shell convention (and tini's): a child killed by signal N exits 128+N. */
export function signalExitCode(signal: string): number {
  const number = constants.signals[signal as keyof typeof constants.signals];
  return 128 + (number ?? 0);
}
