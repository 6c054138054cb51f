// A restart request (why the child needs new secrets, and what to read again), and how requests made
// while another is prepared become one.
import type { RestartCause } from '../util/observer';

/** Why the child needs new secrets, and what must be read again for it. */
export interface RestartRequest {
  reason: string;
  /** The reason as the restart metrics count it; a merged restart counts as its first request's. */
  cause: RestartCause;
  /** Every request's cause, once merged (absent: only `cause`): a change merged in is applied too. */
  causes?: ReadonlySet<RestartCause>;
  /** API paths to read again; every other answer of the running generation is kept. */
  replace: ReadonlySet<string>;
  /**
   * When the running child's credentials expire (monotonic ms): until then a failed preparation is
   * retried with backoff, after it vault-exec exits 75. Undefined for --watch, which has no deadline
   * (its next check asks again).
   */
  deadline?: number;
}

/** A request waiting for its turn, with everyone who asked for it. */
export interface PendingRestart extends RestartRequest {
  waiters: Array<(swapped: boolean) => void>;
}

/** Pure: requests made while another is prepared become one restart that satisfies all of them. */
export function mergeRestarts(pending: PendingRestart | undefined, request: PendingRestart): PendingRestart {
  if (!pending) return { ...request, waiters: [...request.waiters] };
  const reasons = [...new Set([...pending.reason.split('; '), ...request.reason.split('; ')])];
  const deadlines = [pending.deadline, request.deadline].filter((value) => value !== undefined);
  return {
    reason: reasons.join('; '),
    cause: pending.cause,
    causes: new Set([...causesOf(pending), ...causesOf(request)]),
    replace: new Set([...pending.replace, ...request.replace]),
    deadline: deadlines.length === 0 ? undefined : Math.min(...deadlines),
    waiters: [...pending.waiters, ...request.waiters],
  };
}

/** Why a restart happens, every merged request's reason: one restart counted, each cause served. */
export function causesOf(request: RestartRequest): ReadonlySet<RestartCause> {
  return request.causes ?? new Set([request.cause]);
}
