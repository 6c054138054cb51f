// Exponential backoff with "full jitter on the upper half": each delay is uniform in [base·2^n / 2,
// base·2^n], capped. Jitter keeps containers that lost Vault together from retrying in lock-step; the
// lower bound keeps the schedule from collapsing into a hot loop (the failure mode of vault#26382).
import { MAX_TIMER_MS } from './clock';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

export function* backoffDelays({
  initialMs,
  maxMs,
  random = Math.random,
}: BackoffOptions): Generator<number, never> {
  for (let attempt = 0; ; attempt++) {
    const ceiling = Math.min(maxMs, MAX_TIMER_MS, initialMs * 2 ** Math.min(attempt, 30));
    yield Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }
}
