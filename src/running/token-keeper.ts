// Keeps vault-exec's token alive: renews it, and at its max TTL logs in again while the old one is
// still valid. The keeper owns the token in use; a replaced one stays in the ledger until whoever
// still depends on it (the running child's leases) lets it go.
import type { AuthConfig } from '../cli/config';
import type { Clock } from '../util/clock';
import type { Logger } from '../util/log';
import { NO_OBSERVER, toUnixSeconds, type Observer } from '../util/observer';
import { createLogin, type AttemptLogin, type Session } from '../vault/auth';
import { countedOutcome } from '../vault/renew';
import { renewToken } from '../vault/tokens';
import type { VaultClient } from '../vault/http/client';
import type { CredentialLedger } from './credential-ledger';
import { watchLifetime, type LifetimeWatcher } from './lifetime';

/** A token that was replaced: leases read with it, and a child given it, end when it expires. */
export interface ReplacedToken {
  token: string;
  /** On the monotonic clock. */
  expiresAt: number;
}

export interface TokenKeeperOptions {
  client: VaultClient;
  auth: AuthConfig;
  session: Session;
  /** When the login that gave `session` was answered (monotonic): its TTL counts from there. */
  issuedAt: number;
  ledger: CredentialLedger;
  log: Logger;
  now: Clock;
  /** Renewal and re-login failed for good: the token is gone or about to be. */
  onFailure(message: string): void;
  /** A new token is in use; `previous` still lives until its own expiry. */
  onReplaced(previous: ReplacedToken): void;
  observer?: Observer;
}

/**
 * AppRole logs in again with the same secret_id (if the role lets it be reused), jwt and kubernetes
 * with a JWT read afresh. A token given by the user cannot be replaced: when it expires, the child
 * is stopped with a line that says to run `vault login` again.
 */
export class TokenKeeper {
  private session: Session;
  private readonly watcher: LifetimeWatcher;
  /** Settles once a re-login in flight has answered (and its token is in the ledger). */
  private relogin: Promise<unknown> = Promise.resolve();
  /** Every re-login of the run: AWS credentials fetched for one serve the next until near expiry. */
  private readonly logIn: AttemptLogin;

  constructor(private readonly options: TokenKeeperOptions) {
    const { client, auth, log, now } = options;
    const observer = options.observer ?? NO_OBSERVER;
    this.session = options.session;
    this.logIn = createLogin(auth);
    this.watcher = watchLifetime(
      {
        name: 'token',
        ttlSeconds: options.session.ttlSeconds,
        issuedAt: options.issuedAt,
        renewable: options.session.renewable,
        renew: async (increment) => {
          const outcome = await renewToken(client, this.session.token, increment);
          observer.renewal('token', countedOutcome(outcome));
          return outcome;
        },
        onExpiry: (expiresAt) => observer.tokenExpiry(toUnixSeconds(expiresAt, now())),
        reacquire:
          auth.method === 'token' ? undefined : (expiresAt) => this.trackRelogin(this.logInAgain(expiresAt)),
        replacedEvent: 'relogin',
      },
      {
        log,
        now,
        onFailure:
          auth.method === 'token'
            ? (message) => options.onFailure(explainUserTokenEnd(message, auth.source))
            : options.onFailure,
      },
    );
  }

  /** The token to use for the next request. */
  get token(): string {
    return this.session.token;
  }

  stop(): void {
    this.watcher.stop();
  }

  /** For the clean-up at exit: a re-login still in flight may yet mint a token that must be revoked. */
  get settled(): Promise<void> {
    return this.relogin.then(
      () => undefined,
      () => undefined,
    );
  }

  private trackRelogin<T>(relogin: Promise<T>): Promise<T> {
    this.relogin = relogin;
    return relogin;
  }

  /** `expiresAt`: when the token in use expires, and with it what was read with it. */
  private async logInAgain(expiresAt: number) {
    const { client, auth, log, now, ledger } = this.options;
    const result = await this.logIn(client, log);
    this.options.observer?.login(auth.method, result.ok ? 'success' : result.rejected ? 'rejected' : 'error');
    if (!result.ok)
      return {
        kind: result.rejected && result.retriedAtRelogin !== true ? 'rejected' : 'transient',
        reason: result.message,
      } as const;
    const issuedAt = now();
    log.redact(result.session.token);
    ledger.holdToken(result.session, true);
    const previous: ReplacedToken = { token: this.session.token, expiresAt };
    this.session = result.session;
    this.options.onReplaced(previous);
    return {
      kind: 'acquired',
      ttlSeconds: result.session.ttlSeconds,
      renewable: result.session.renewable,
      issuedAt,
    } as const;
  }
}

/** For when the user's own token runs out: vault-exec cannot log in again for the user. */
function explainUserTokenEnd(message: string, source: string): string {
  return `${message} (it came from ${source}, which vault-exec cannot log in again for): run \`vault login\` again, then restart`;
}
