// Renews something that expires (the token, or a lease) before it does, with one timer at a time, and
// replaces it when renewal can go no further; the schedule counts from when Vault issued it.
import { backoffDelays } from '../util/backoff';
import { monotonicNow, timerAt, type Clock } from '../util/clock';
import { formatDuration } from '../util/duration';
import type { Logger } from '../util/log';
import type { RenewOutcome } from '../vault/renew';

/** Renew at about two thirds of the TTL, with jitter (Vault's LifetimeWatcher lands at 0.70–0.73). */
export const RENEW_FRACTION = 2 / 3;
export const RENEW_JITTER = 0.1;
export const RETRY_INITIAL_MS = 1_000;
export const RETRY_MAX_MS = 30_000;
/** A last attempt this close to expiry could not complete in time; give up instead. */
export const EXPIRY_MARGIN_MS = 250;

export type ReacquireOutcome =
  | { kind: 'acquired'; ttlSeconds: number; renewable: boolean; issuedAt: number }
  /** Someone else replaces it (a lease: the child restarts with fresh secrets); stop watching. */
  | { kind: 'handed-off' }
  | { kind: 'transient'; reason: string }
  | { kind: 'rejected'; reason: string };

export interface LifetimeSpec {
  /** For log lines: "token", "lease of database/creds/app". */
  name: string;
  ttlSeconds: number;
  /** When Vault issued it, on the monotonic clock: the schedule counts from here, not from now. */
  issuedAt: number;
  renewable: boolean;
  renew(incrementSeconds: number): Promise<RenewOutcome>;
  /** How to get a fresh one when renewal can go no further; absent when there is no way. */
  /** Given when the current one expires (monotonic), which renewal kept track of. */
  reacquire?: (expiresAt: number) => Promise<ReacquireOutcome>;
  /** The log event of a replacement by reacquire, for --log-format json: relogin, certificate-reissued. */
  replacedEvent?: string;
  /** Told each new expiry (monotonic): at the start, after each renewal, after a re-acquisition. */
  onExpiry?: (expiresAt: number) => void;
}

export interface LifetimeOptions {
  log: Logger;
  onFailure(message: string): void;
  /** Monotonic milliseconds; injectable for tests. */
  now?: Clock;
  random?: () => number;
}

/** Pure: how long to wait before renewing something with `ttlMs` left. */
export function renewalDelayMs(ttlMs: number, random: () => number = Math.random): number {
  return Math.round(ttlMs * RENEW_FRACTION * (1 - RENEW_JITTER + 2 * RENEW_JITTER * random()));
}

export interface LifetimeWatcher {
  stop(): void;
}

/**
 * - A renewal that grants less than asked means a max TTL is near. That is not "dead now"
 *   (bank-vaults#1643): keep going until about two thirds of what is left, then re-acquire (the token
 *   logs in again) while the old one is still valid.
 * - Transient failures (network, 5xx, 429) retry with backoff, but only while time is left; the backoff
 *   delay is always honoured, so a failing Vault never sees a hot loop (vault#26382).
 * - A rejection (403 revoked/expired, lease gone, re-login refused) or running out of time is final:
 *   `onFailure` is called once and the watcher stops.
 */
export function watchLifetime(spec: LifetimeSpec, options: LifetimeOptions): LifetimeWatcher {
  const { log, onFailure } = options;
  const now = options.now ?? monotonicNow;
  const random = options.random ?? Math.random;
  let requestedSeconds = spec.ttlSeconds;
  let expiresAt = spec.issuedAt + spec.ttlSeconds * 1000;
  if (spec.ttlSeconds > 0) spec.onExpiry?.(expiresAt);
  let cancelTimer: (() => void) | undefined;
  let stopped = false;
  let retries: Generator<number, never> | undefined;

  // Deadlines on the monotonic clock, so a wall-clock step cannot end a lifetime early; delays of
  // any length (Vault grants up to 768 h by default), since timerAt re-arms past a timer's limit.
  const schedule = (delayMs: number, action: () => Promise<void>): void => {
    cancelTimer = timerAt(
      now() + Math.max(0, delayMs),
      () => {
        cancelTimer = undefined;
        void action();
      },
      now,
    );
  };
  const fail = (message: string): void => {
    if (stopped) return;
    stopped = true;
    onFailure(message);
  };
  const left = (): string => formatDuration(Math.max(0, expiresAt - now()));

  /** Plans the next step for a lifetime that has just been granted (or re-granted) `ttlSeconds`. */
  const plan = (renewable: boolean, capped: boolean): void => {
    retries = undefined;
    const remainingMs = expiresAt - now();
    if (renewable && !capped) return schedule(renewalDelayMs(remainingMs, random), renew);
    if (spec.reacquire) return schedule(renewalDelayMs(remainingMs, random), reacquire);
    log.warn(
      `the ${spec.name} cannot be extended past its expiry in ${left()}; vault-exec will stop the child then`,
    );
    schedule(remainingMs, async () => fail(`the ${spec.name} expired and cannot be renewed or replaced`));
  };

  /** Transient failure: try again after the backoff delay, if that is still before expiry. */
  const retryLater = (what: string, reason: string, action: () => Promise<void>): void => {
    retries ??= backoffDelays({ initialMs: RETRY_INITIAL_MS, maxMs: RETRY_MAX_MS, random });
    const delay = Math.min(retries.next().value, expiresAt - now() - EXPIRY_MARGIN_MS);
    if (delay <= 0) return fail(`${what} failed until the ${spec.name} expired (last: ${reason})`);
    log.warn(
      `${what} failed: ${reason}; retrying in ${formatDuration(delay)} (${spec.name} expires in ${left()})`,
      { event: 'renew-retry' },
    );
    schedule(delay, action);
  };

  const renew = async (): Promise<void> => {
    const outcome = await spec.renew(requestedSeconds);
    if (stopped) return;
    if (outcome.kind === 'transient') return retryLater(`renewing the ${spec.name}`, outcome.reason, renew);
    if (outcome.kind === 'rejected') return fail(`renewing the ${spec.name} was refused: ${outcome.reason}`);
    if (outcome.kind === 'exhausted') {
      log.info(`the ${spec.name} reached its max TTL (${outcome.reason}); it expires in ${left()}`, {
        event: 'renew-capped',
      });
      return plan(true, true);
    }
    expiresAt = now() + outcome.ttlSeconds * 1000;
    spec.onExpiry?.(expiresAt);
    const capped = outcome.ttlSeconds < requestedSeconds;
    if (capped)
      log.info(
        `the ${spec.name} was renewed for ${outcome.ttlSeconds} s, less than asked: its max TTL is near`,
        { event: 'renew-capped' },
      );
    else log.debug(`renewed the ${spec.name} for ${outcome.ttlSeconds} s`, { event: 'renew' });
    plan(true, capped);
  };

  const reacquire = async (): Promise<void> => {
    const outcome = await spec.reacquire!(expiresAt);
    if (stopped) return;
    if (outcome.kind === 'transient')
      return retryLater(`replacing the ${spec.name}`, outcome.reason, reacquire);
    if (outcome.kind === 'rejected') return fail(`replacing the ${spec.name} was refused: ${outcome.reason}`);
    if (outcome.kind === 'handed-off') {
      stopped = true;
      return;
    }
    requestedSeconds = outcome.ttlSeconds;
    expiresAt = outcome.issuedAt + outcome.ttlSeconds * 1000;
    if (outcome.ttlSeconds > 0) spec.onExpiry?.(expiresAt);
    log.info(
      `replaced the ${spec.name} before it expired (new TTL ${outcome.ttlSeconds} s); the child keeps running`,
      spec.replacedEvent === undefined ? {} : { event: spec.replacedEvent },
    );
    if (outcome.ttlSeconds > 0) plan(outcome.renewable, false);
  };

  if (spec.ttlSeconds <= 0) log.debug(`the ${spec.name} does not expire: nothing to renew`);
  else plan(spec.renewable, false);

  return {
    stop() {
      stopped = true;
      cancelTimer?.();
    },
  };
}
