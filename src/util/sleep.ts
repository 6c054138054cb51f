// A sleep on the monotonic clock that an AbortSignal cuts short.
import { monotonicNow, timerAt } from './clock';

/** Global setTimeout on purpose: vitest's fake timers patch it, but not node:timers/promises. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const cancel = timerAt(monotonicNow() + ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
