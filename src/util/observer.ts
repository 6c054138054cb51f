// What vault-exec tells whoever watches it (the metrics of --metrics-addr): one method per lifecycle
// event, called by the layer where the event happens. Every layer gets it passed in; without
// --metrics-addr it is NO_OBSERVER, which does nothing, so watching costs nothing when it is off.
// Labels are names only (operations, methods, paths as the user wrote them), never a value,
// token, accessor or lease ID.

/** The Vault operations requests are counted by. */
export type VaultOperation = 'health' | 'login' | 'read' | 'renew' | 'revoke' | 'lookup' | 'unwrap';

/** success, refused by Vault (403, 400, a rejected login), or failed (5xx, transport, no usable answer). */
export type Outcome = 'success' | 'rejected' | 'error';

/** Why a child was restarted: a short, fixed vocabulary so the metric's label stays bounded. */
export type RestartCause =
  'lease-end' | 'lease-lost' | 'token-replaced' | 'secret-changed' | 'certificate-reissued';

/**
 * Where vault-exec is, as /readyz sees it: only `running` (a child with live credentials) is ready.
 * `failed` holds from a renewal failure until exit.
 */
export type Phase = 'starting' | 'running' | 'restarting' | 'failed' | 'exiting';

export interface Observer {
  /** `code` is the HTTP status, or "error" when no answer came (a transport failure). */
  vaultRequest(operation: VaultOperation, code: string, seconds: number): void;
  login(method: string, outcome: Outcome): void;
  renewal(kind: 'token' | 'lease', outcome: Outcome): void;
  /** When the token in use expires, in Unix seconds; undefined when it never does. */
  tokenExpiry(unixSeconds: number | undefined): void;
  /** When the lease read for `path` expires, in Unix seconds; undefined once it is no longer used. */
  leaseExpiry(path: string, unixSeconds: number | undefined): void;
  secretsRead(): void;
  secretCheck(result: 'unchanged' | 'changed' | 'error'): void;
  childStarted(): void;
  childExited(): void;
  restarted(cause: RestartCause): void;
  /** Only files changed: they were rewritten and the child sent --reload-signal, not restarted. */
  reloaded(cause: RestartCause): void;
  restartFailed(): void;
  /**
   * A change --watch found is in the child's secrets now: by a restart (its own, or one it was
   * merged into), a reload, or adopted as it is when nothing the child uses changed.
   */
  secretChangeApplied(): void;
  phase(phase: Phase): void;
}

const ignore = (): void => {};

export const NO_OBSERVER: Observer = {
  vaultRequest: ignore,
  login: ignore,
  renewal: ignore,
  tokenExpiry: ignore,
  leaseExpiry: ignore,
  secretsRead: ignore,
  secretCheck: ignore,
  childStarted: ignore,
  childExited: ignore,
  restarted: ignore,
  reloaded: ignore,
  restartFailed: ignore,
  secretChangeApplied: ignore,
  phase: ignore,
};

/**
 * A monotonic deadline as Unix seconds, for gauges a dashboard compares with time(). To the
 * millisecond: /readyz compares it with the clock, and rounding to whole seconds could move an
 * expiry that close either way.
 */
export function toUnixSeconds(
  monotonicAt: number,
  monotonicNow: number,
  wallNowMs: number = Date.now(),
): number {
  return Math.round(wallNowMs + (monotonicAt - monotonicNow)) / 1000;
}
