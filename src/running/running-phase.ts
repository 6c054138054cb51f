import { assertChildEnvFits } from '../child/env-limits';
import type { ForwardedSignal } from '../child/signals';
import type { ChildProcess, SpawnOptions } from '../child/spawn';
import { createSupervisor, type Supervisor } from '../child/supervisor-shell';
import type { AuthConfig, Config } from '../cli/config';
import type { Env } from '../util/env';
import { timerAt } from '../util/clock';
import { buildFallbackChildEnv } from '../commands/fallback-env';
import { formatDuration } from '../util/duration';
import type { Logger } from '../util/log';
import { isOwnToken, type Session } from '../vault/auth';
import type { VaultClient } from '../vault/http/client';
import type { Lease } from '../vault/secrets';
import { CredentialLedger } from './credential-ledger';
import { prepareGeneration, type Generation } from './generation';
import { LeaseRenewals } from './lease-renewals';
import { keepTokenAlive, type TokenHolder } from './token-keeper';
import { RestartQueue } from './restart-queue';
import type { RestartRequest } from './restart-request';
import { REVOKE_TIMEOUT_MS } from './revocation';
import { watchForRotation } from './secret-watch';

export interface RunningPhaseOptions {
  config: Config;
  client: VaultClient;
  log: Logger;
  /** The environment vault-exec inherited; every generation's env is built from it. */
  inherited: Env;
  /** stdin is a terminal (see child/signals.ts). */
  terminal?: boolean;
  /** Monotonic milliseconds; deadlines are measured on it. */
  now?: () => number;
  spawn?: (command: string[], env: Record<string, string>, options: SpawnOptions) => ChildProcess;
}

/**
 * The running phase: from the login on, the one owner of the token, the leases, the env of the
 * running child (its generation) and the restart protocol, which is make-before-break:
 *
 *   prepare  read again only what must be replaced (changed KV paths, ending leases, everything
 *            leased after a new token) and build the env, while the old child runs on. Failing is
 *            a warning: --watch asks again at its next check; an ending lease or token is retried
 *            with backoff until it expires, and only then vault-exec stops the child and exits 75.
 *   swap     only then the supervisor stops the old child; the new one starts with the prepared env
 *            the moment the old one has exited.
 *   retire   superseded leases (or a replaced token of ours) are revoked once that child is gone.
 */
export class RunningPhase {
  readonly supervisor: Supervisor;
  private readonly config: Config;
  private readonly client: VaultClient;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly closing = new AbortController();
  private readonly ledger: CredentialLedger;
  private readonly renewals: LeaseRenewals;
  private token?: TokenHolder;
  private auth?: AuthConfig;
  /** The running child's secrets, and the next child's between swap and start. */
  private generation?: Generation;
  private prepared?: Generation;
  private stopTokenRenewal = (): void => {};
  private stopRotationWatch = (): void => {};
  private readonly restarts: RestartQueue;
  private swapped = Promise.resolve();
  /** Settles once the preparation in flight (if any) has recorded the leases it read. */
  private preparing: Promise<void> = Promise.resolve();
  private onSwapDone?: () => void;

  constructor(private readonly options: RunningPhaseOptions) {
    const { config, client, log } = options;
    this.config = config;
    this.client = client;
    this.log = log;
    this.now = options.now ?? (() => performance.now());
    this.ledger = new CredentialLedger(client, log);
    this.supervisor = createSupervisor({
      killTimeoutMs: config.killTimeoutMs,
      log,
      terminal: options.terminal,
      processGroup: config.processGroup,
      onRespawn: () => this.startPrepared(),
      spawn: options.spawn,
    });
    this.restarts = new RestartQueue({
      attempt: (request) => this.attemptRestart(request),
      swapDone: () => this.swapped,
      onDeferred: (request, reason, retry) => this.deferRestart(request, reason, retry),
      onExpired: (request, reason) =>
        this.supervisor.dispatch({
          type: 'renewal-failed',
          message: `could not read fresh secrets before the old ones expired (${request.reason}): ${reason}`,
        }),
      now: this.now,
      signal: this.closing.signal,
    });
    this.renewals = new LeaseRenewals({
      client,
      token: () => this.currentToken(),
      log,
      now: this.now,
      onEnding: (lease, expiresAt) =>
        void this.requestRestart({
          reason: `the lease of ${lease.path} is reaching its max TTL`,
          replace: new Set([lease.path]),
          deadline: expiresAt,
        }),
      // The lease is gone already: one attempt at fresh credentials, then exit 75.
      onLost: (lease, reason) =>
        void this.requestRestart({ reason, replace: new Set([lease.path]), deadline: 0 }),
    });
  }

  get exited(): Promise<number> {
    return this.supervisor.exited;
  }

  dispatchSignal(signal: ForwardedSignal): void {
    this.supervisor.dispatch({ type: 'signal', signal });
  }

  /** From here on the token is ours to renew and, if we logged in for it, to revoke at exit. */
  adoptToken(session: Session, auth: AuthConfig): void {
    this.auth = auth;
    this.token = { session, expiresAt: this.now() + session.ttlSeconds * 1000 };
    if (isOwnToken(auth)) this.ledger.addOwnToken(session.token);
  }

  /** Reads the first generation; a failure here is a start-up failure, with its own exit code. */
  prepareFirst(): Promise<Generation> {
    return this.prepare(undefined, undefined);
  }

  /** Starts the first child and everything that keeps its secrets alive and current. */
  begin(first: Generation): void {
    if (this.supervisor.phase !== 'starting' || this.closing.signal.aborted) return;
    this.generation = first;
    this.supervisor.start(this.config.command, first.env);
    this.watchGeneration(first);
    const unwatchable = first.secrets.unwatchable;
    if (this.config.watchIntervalMs !== undefined && unwatchable.length > 0)
      this.log.info(
        `--watch does not watch ${unwatchable.join(', ')}: only KV secrets and database static roles can be compared`,
      );
    this.stopTokenRenewal = keepTokenAlive({
      client: this.client,
      auth: this.auth!,
      holder: this.token!,
      log: this.log,
      now: this.now,
      onFailure: (message) => this.supervisor.dispatch({ type: 'renewal-failed', message }),
      onReplaced: (previous, expiresAt) => this.onTokenReplaced(previous, expiresAt),
    });
  }

  /**
   * The development fallback (dev/fallback-env.ts): a child from the .env file's values, built from
   * the same inherited env as every generation, with no token, leases or watch.
   */
  beginWithoutVault(outage: Error): void {
    if (this.supervisor.phase !== 'starting' || this.closing.signal.aborted) return;
    const { config, inherited } = this.options;
    const env = buildFallbackChildEnv({ config, inherited, outage, log: this.log });
    assertChildEnvFits(config.command, env);
    this.supervisor.start(config.command, env);
  }

  /** Asks for a restart; resolves true once the next generation was prepared and the swap began. */
  requestRestart(request: RestartRequest): Promise<boolean> {
    return this.restarts.request(request);
  }

  /** Stops renewing and watching, then revokes what vault-exec created (bounded, never fails). */
  async close(): Promise<void> {
    this.closing.abort(new Error('vault-exec is exiting'));
    this.stopTokenRenewal();
    this.stopRotationWatch();
    this.renewals.stopAll();
    this.restarts.cancel();
    if (!this.config.revokeToken) return;
    // A read still in flight (SIGTERM or the child's exit during a prepare) may yet mint a lease, and
    // with the user's token nothing else would revoke it: give it a bounded moment to be recorded.
    let cancel = (): void => {};
    const bound = new Promise<void>(
      (resolve) => (cancel = timerAt(this.now() + REVOKE_TIMEOUT_MS, resolve, this.now)),
    );
    await Promise.race([this.preparing, bound]);
    cancel();
    const token = this.token?.session.token;
    await this.ledger.revokeAll(token !== undefined && !this.ledger.isOwnToken(token) ? token : undefined);
  }

  private currentToken(): string {
    return this.token!.session.token;
  }

  private prepare(previous?: Generation, replace?: ReadonlySet<string>): Promise<Generation> {
    const preparing = this.readGeneration(previous, replace);
    this.preparing = preparing.then(
      () => undefined,
      () => undefined,
    );
    return preparing;
  }

  private async readGeneration(previous?: Generation, replace?: ReadonlySet<string>): Promise<Generation> {
    const token = this.currentToken();
    const minted: Lease[] = [];
    try {
      return await prepareGeneration({ ...this.options, token, previous, replace, minted });
    } finally {
      this.ledger.recordLeases(minted, token);
    }
  }

  /** One attempt at a restart: prepare, and swap only if that worked. */
  private async attemptRestart(request: RestartRequest): Promise<'swapped' | 'abandoned'> {
    if (this.supervisor.phase !== 'running') return 'abandoned';
    let next: Generation;
    try {
      next = await this.prepare(this.generation, request.replace);
    } catch (error) {
      // Once closing, close() revokes everything the ledger holds; revoking here too would race it.
      if (!this.closing.signal.aborted) await this.revokeUnused();
      throw error;
    }
    if (this.supervisor.phase !== 'running' || this.closing.signal.aborted) {
      if (!this.closing.signal.aborted) await this.revokeUnused();
      return 'abandoned';
    }
    this.swap(next, request.reason);
    return 'swapped';
  }

  private deferRestart(
    request: RestartRequest,
    reason: string,
    retry?: { inMs: number; leftMs: number },
  ): void {
    const what = `could not prepare the restart (${request.reason}): ${reason}; the child keeps running`;
    this.log.warn(
      retry === undefined
        ? `${what}, and the next check tries again`
        : `${what}, retrying in ${formatDuration(retry.inMs)} (the old credentials expire in ${formatDuration(retry.leftMs)})`,
      { event: 'restart-deferred' },
    );
  }

  /** Swap: the old child is stopped only now; startPrepared runs when it has exited. */
  private swap(next: Generation, reason: string): void {
    this.prepared = next;
    this.swapped = new Promise((resolve) => (this.onSwapDone = resolve));
    this.stopRotationWatch();
    this.renewals.keepOnly(next.secrets.leases);
    // The new leases live from now on, not from when the old child has exited: a kill timeout
    // longer than their TTL must not let them expire before the new child starts.
    this.renewals.add(next.secrets.leases);
    this.supervisor.dispatch({ type: 'restart-requested', reason });
  }

  private startPrepared(): void {
    const [old, next] = [this.generation, this.prepared];
    this.prepared = undefined;
    if (!old || !next) {
      // Cannot happen: the machine only respawns after a swap.
      this.supervisor.dispatch({ type: 'renewal-failed', message: 'no prepared secrets to restart with' });
      return;
    }
    const exitedAt = this.now();
    this.generation = next;
    this.supervisor.start(this.config.command, next.env);
    this.log.debug(`the new child started ${Math.round(this.now() - exitedAt)} ms after the old one exited`, {
      event: 'restarted',
    });
    this.watchGeneration(next);
    this.onSwapDone?.();
    void this.retire(old, next);
  }

  /** Retire: what only the old child used is revoked, now that it has exited. */
  private async retire(old: Generation, next: Generation): Promise<void> {
    const replacedToken = old.token !== next.token && old.token !== this.currentToken();
    const stillUsed = next.secrets.leases.some((lease) => this.ledger.tokenOf(lease.id) === old.token);
    if (replacedToken && !stillUsed && this.ledger.isOwnToken(old.token))
      await this.ledger.retireToken(old.token);
    await this.revokeUnused();
  }

  private revokeUnused(): Promise<void> {
    const inUse = new Set(
      [this.generation, this.prepared].flatMap((generation) =>
        (generation?.secrets.leases ?? []).map((lease) => lease.id),
      ),
    );
    return this.ledger.revokeUnused(inUse, this.currentToken());
  }

  /** Renewal for the generation's new leases (kept ones already have theirs), and its --watch. */
  private watchGeneration(generation: Generation): void {
    this.renewals.add(generation.secrets.leases);
    const intervalMs = this.config.watchIntervalMs;
    if (intervalMs === undefined) return;
    this.stopRotationWatch = watchForRotation({
      client: this.client,
      token: () => this.currentToken(),
      versions: generation.secrets.versions,
      intervalMs,
      log: this.log,
      onChange: (reason, changed) => this.requestRestart({ reason, replace: changed }),
    });
  }

  /**
   * Leases die with the token that read them, and a child given the token (--pass-token) holds the
   * old one: either way the child needs a restart before the old token expires.
   */
  private onTokenReplaced(previous: Session, previousExpiresAt: number): void {
    this.ledger.addOwnToken(this.currentToken());
    const leased = new Set(
      (this.generation?.secrets.leases ?? [])
        .filter((lease) => this.ledger.tokenOf(lease.id) === previous.token)
        .map((lease) => lease.path),
    );
    const childHoldsToken = this.config.passToken && this.generation?.token === previous.token;
    if (leased.size === 0 && !childHoldsToken) {
      void this.ledger.retireToken(previous.token);
      return;
    }
    void this.requestRestart({
      reason:
        leased.size > 0
          ? 'the token was replaced at its max TTL, and the leases read with the old token end with it'
          : 'the token was replaced at its max TTL, and the child holds the old one (--pass-token)',
      replace: leased,
      deadline: previousExpiresAt,
    });
  }
}
