// The clock deadlines are measured on, and a timer that fires at a deadline on it however far away
// (Node's own timers hold at most 2^31-1 ms).

/**
 * Milliseconds on a clock that only moves forward, for deadlines and "time left" sums. The wall
 * clock (Date.now) can step when NTP corrects it, for instance after a VM resumes; a deadline on it
 * would then end early or never. Injectable, so tests can drive it with their fake timers.
 */
export type Clock = () => number;

// process.hrtime, not performance.now(): the global `performance` loads perf_hooks at its first use,
// about 1 ms of every start.
export const monotonicNow: Clock = () => Number(process.hrtime.bigint()) / 1e6;

/** The longest delay a Node timer holds (2^31-1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay a timer can hold: never negative, never past MAX_TIMER_MS (the caller re-plans then). */
export function clampTimerDelay(ms: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, Number.isFinite(ms) ? ms : MAX_TIMER_MS));
}

/**
 * Calls `fire` once `now()` reaches `at`, never before. A deadline past what a timer holds (a TTL of
 * 700 h from Vault) is reached in steps, and a timer that fires early (Node counts in whole
 * milliseconds of its own loop clock) is re-armed for the rest. Returns a cancel function.
 */
export function timerAt(at: number, fire: () => void, now: Clock = monotonicNow): () => void {
  let handle: ReturnType<typeof setTimeout>;
  const arm = (): void => {
    handle = setTimeout(() => (now() < at ? arm() : fire()), clampTimerDelay(Math.ceil(at - now())));
  };
  arm();
  return () => clearTimeout(handle);
}

/** Resolves once `work` has settled, either way, or once `now()` reaches `at`, whichever comes first. */
export async function settledOrAt(
  work: Promise<unknown>,
  at: number,
  now: Clock = monotonicNow,
): Promise<void> {
  let cancel = (): void => {};
  const bound = new Promise<void>((resolve) => (cancel = timerAt(at, resolve, now)));
  await Promise.race([work.then(noop, noop), bound]);
  cancel();
}

function noop(): void {}
