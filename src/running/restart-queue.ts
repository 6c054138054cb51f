// Runs the child's restarts one at a time. Requests made while one is prepared are merged into the next,
// and a failed preparation is retried: a --watch request never (its next check asks again), one with a
// deadline with backoff until the deadline, after which `onExpired` ends the run.
import { backoffDelays } from '../util/backoff';
import { sleep } from '../util/sleep';
import { RETRY_INITIAL_MS, RETRY_MAX_MS } from './lifetime';
import { mergeRestarts, type PendingRestart, type RestartRequest } from './restart-request';

export class RestartQueue {
  private pending?: PendingRestart;
  private busy = false;

  constructor(
    private readonly options: {
      /** Prepares and swaps; throws when preparing failed; 'abandoned' when vault-exec is stopping. */
      attempt(request: RestartRequest): Promise<'swapped' | 'abandoned'>;
      /** Resolves once the child of the last swap has started. */
      swapDone(): Promise<void>;
      onDeferred(request: RestartRequest, reason: string, retry?: { inMs: number; leftMs: number }): void;
      onExpired(request: RestartRequest, reason: string): void;
      now: () => number;
      signal: AbortSignal;
    },
  ) {}

  /** Resolves true once the restart was prepared and the swap began, false if it did not happen. */
  request(request: RestartRequest): Promise<boolean> {
    return new Promise((resolve) => {
      this.pending = mergeRestarts(this.pending, { ...request, waiters: [resolve] });
      if (!this.busy) void this.drain();
    });
  }

  /** Answers everyone still waiting: nothing more will be restarted. */
  cancel(): void {
    this.pending?.waiters.forEach((resolve) => resolve(false));
    this.pending = undefined;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.pending && !this.options.signal.aborted) {
      const request = this.pending;
      this.pending = undefined;
      const swapped = await this.run(request);
      request.waiters.forEach((resolve) => resolve(swapped));
      if (swapped) await this.options.swapDone();
    }
    this.busy = false;
  }

  private async run(request: PendingRestart): Promise<boolean> {
    const { now, signal } = this.options;
    const retries = backoffDelays({ initialMs: RETRY_INITIAL_MS, maxMs: RETRY_MAX_MS });
    for (;;) {
      try {
        return (await this.options.attempt(request)) === 'swapped';
      } catch (error) {
        if (signal.aborted) return false;
        const reason = (error as Error).message;
        if (request.deadline === undefined) {
          this.options.onDeferred(request, reason);
          return false;
        }
        const leftMs = request.deadline - now();
        const inMs = Math.min(retries.next().value, leftMs);
        if (inMs <= 0) {
          this.options.onExpired(request, reason);
          return false;
        }
        this.options.onDeferred(request, reason, { inMs, leftMs });
        try {
          await sleep(inMs, signal);
        } catch {
          return false;
        }
        // What was asked meanwhile is prepared in the same attempt.
        if (this.pending) Object.assign(request, mergeRestarts(this.pending, request));
        this.pending = undefined;
      }
    }
  }
}
