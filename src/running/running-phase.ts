import { backoffDelays } from '../backoff';
import type { ForwardedSignal } from '../child/signals';
import type { ChildProcess } from '../child/spawn';
import { createSupervisor, type Supervisor } from '../child/supervise';
import type { AuthConfig, Config, Env } from '../config';
import { formatDuration } from '../duration';
import type { Logger } from '../log';
import { sleep } from '../sleep';
import type { Session } from '../vault/auth';
import type { VaultClient } from '../vault/client';
import { RETRY_INITIAL_MS, RETRY_MAX_MS } from '../vault/lifetime';
import type { Lease } from '../vault/secrets';
import { prepareGeneration, type Generation } from './generation';
import { keepLeaseAlive, keepTokenAlive, type TokenHolder } from './renewal';
import { mergeRestarts, type PendingRestart, type RestartRequest } from './restart-request';
import { revokeLeases, revokeTokens } from './revocation';
import { watchForRotation } from './rotation';

export interface RunningPhaseOptions {
  config: Config;
  client: VaultClient;
  log: Logger;
  /** The environment vault-exec inherited; every generation's env is built from it. */
  inherited: Env;
  /** Monotonic milliseconds; deadlines are measured on it. */
  now?: () => number;
  spawn?: (command: string[], env: Record<string, string>) => ChildProcess;
}

/**
 * The running phase: from the login on, the one owner of the token, the leases, the env of the
 * running child (its generation) and the restart protocol.
 *
 * A restart is make-before-break, in three steps:
 *   prepare  read again only what must be replaced (changed KV paths, ending leases, everything
 *            leased after a new token) and build the env; the old child runs on meanwhile.
 *            Failing that is a warning: --watch tries again at its next check, an ending lease or
 *            token with backoff until it expires (then exit 75).
 *   swap     only then the supervisor stops the old child, and starts the new one with the prepared
 *            env the moment the old one has exited.
 *   retire   superseded leases are revoked (and a superseded token we created) once the child that
 *            used them is gone.
 */
export class RunningPhase {
  readonly supervisor: Supervisor;
  private readonly config: Config;
  private readonly client: VaultClient;
  private readonly log: Logger;
  private readonly inherited: Env;
  private readonly now: () => number;
  private readonly closing = new AbortController();

  private token?: TokenHolder;
  private auth?: AuthConfig;
  /** Tokens vault-exec logged in for and has not revoked yet; revoke-self ends their leases too. */
  private readonly ownTokens: string[] = [];
  /** Every lease read and not revoked yet, with the token that read it. */
  private readonly outstanding = new Map<string, { lease: Lease; token: string }>();
  private generation?: Generation;
  private prepared?: Generation;
  private readonly stopRenewals = new Map<string, () => void>();
  private stopTokenRenewal = (): void => {};
  private stopRotationWatch = (): void => {};
  private pending?: PendingRestart;
  private restartsRunning = false;
  private swapDone?: () => void;

  constructor(options: RunningPhaseOptions) {
    this.config = options.config;
    this.client = options.client;
    this.log = options.log;
    this.inherited = options.inherited;
    this.now = options.now ?? (() => performance.now());
    this.supervisor = createSupervisor({
      killTimeoutMs: options.config.killTimeoutMs,
      log: options.log,
      onRespawn: () => this.startPrepared(),
      spawn: options.spawn,
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
    if (auth.method === 'approle') this.ownTokens.push(session.token);
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
      onReplaced: (previous, previousExpiresAt) => this.onTokenReplaced(previous, previousExpiresAt),
    });
  }

  /** Asks for a restart; resolves true once the next generation was prepared and the swap began. */
  requestRestart(request: RestartRequest): Promise<boolean> {
    return new Promise((resolve) => {
      this.pending = mergeRestarts(this.pending, { ...request, waiters: [resolve] });
      if (!this.restartsRunning) void this.runRestarts();
    });
  }

  /** Stops renewing and watching, then revokes what vault-exec created (bounded, never fails). */
  async close(): Promise<void> {
    this.closing.abort(new Error('vault-exec is exiting'));
    this.stopTokenRenewal();
    this.stopRotationWatch();
    this.stopRenewals.forEach((stop) => stop());
    this.pending?.waiters.forEach((resolve) => resolve(false));
    if (!this.config.revokeToken) return;
    // Leases read with our own tokens end with them; the user's token stays, so its leases go one by one.
    const othersLeases = [...this.outstanding.values()].filter(
      (entry) => !this.ownTokens.includes(entry.token),
    );
    await Promise.all([
      revokeTokens(this.client, this.ownTokens, this.log),
      revokeLeases(
        this.client,
        this.token?.session.token ?? '',
        othersLeases.map((entry) => entry.lease),
        this.log,
      ),
    ]);
  }

  private async prepare(previous?: Generation, replace?: ReadonlySet<string>): Promise<Generation> {
    const token = this.token!.session.token;
    const minted: Lease[] = [];
    try {
      return await prepareGeneration({
        client: this.client,
        config: this.config,
        inherited: this.inherited,
        token,
        log: this.log,
        previous,
        replace,
        minted,
      });
    } finally {
      for (const lease of minted) this.outstanding.set(lease.id, { lease, token });
    }
  }

  /** Works through restart requests one at a time; requests made meanwhile are merged into the next. */
  private async runRestarts(): Promise<void> {
    this.restartsRunning = true;
    while (this.pending && !this.closing.signal.aborted) {
      const request = this.pending;
      this.pending = undefined;
      const swapped = await this.restart(request);
      request.waiters.forEach((resolve) => resolve(swapped));
      if (swapped) await new Promise<void>((resolve) => (this.swapDone = resolve));
    }
    this.restartsRunning = false;
  }

  private async restart(request: PendingRestart): Promise<boolean> {
    const retries = backoffDelays({ initialMs: RETRY_INITIAL_MS, maxMs: RETRY_MAX_MS });
    for (;;) {
      if (this.supervisor.phase !== 'running') return false;
      let next: Generation;
      try {
        next = await this.prepare(this.generation, request.replace);
      } catch (error) {
        const reason = (error as Error).message;
        if (this.closing.signal.aborted) return false;
        if (request.deadline === undefined) {
          this.log.warn(
            `could not prepare the restart (${request.reason}): ${reason}; the child keeps running, and the next check tries again`,
            { event: 'restart-deferred' },
          );
          await this.revokeUnused([]);
          return false;
        }
        const left = request.deadline - this.now();
        const delay = Math.min(retries.next().value, left);
        if (delay <= 0) {
          this.supervisor.dispatch({
            type: 'renewal-failed',
            message: `could not read fresh secrets before the old ones expired (${request.reason}): ${reason}`,
          });
          return false;
        }
        this.log.warn(
          `could not prepare the restart (${request.reason}): ${reason}; the child keeps running, retrying in ${formatDuration(delay)} (the old credentials expire in ${formatDuration(left)})`,
          { event: 'restart-deferred' },
        );
        await this.revokeUnused([]);
        try {
          await sleep(delay, this.closing.signal);
        } catch {
          return false;
        }
        // What was asked meanwhile is prepared in the same attempt.
        if (this.pending) {
          Object.assign(request, mergeRestarts(this.pending, request));
          this.pending = undefined;
        }
        continue;
      }
      if (this.supervisor.phase !== 'running' || this.closing.signal.aborted) {
        await this.revokeUnused(next.secrets.leases);
        return false;
      }
      this.swap(next, request.reason);
      return true;
    }
  }

  /** Swap: the old child is stopped only now; startPrepared runs when it has exited. */
  private swap(next: Generation, reason: string): void {
    this.prepared = next;
    this.stopRotationWatch();
    const kept = new Set(next.secrets.leases.map((lease) => lease.id));
    for (const [id, stop] of this.stopRenewals) {
      if (kept.has(id)) continue;
      stop();
      this.stopRenewals.delete(id);
    }
    this.supervisor.dispatch({ type: 'restart-requested', reason });
  }

  private startPrepared(): void {
    const next = this.prepared;
    const old = this.generation;
    this.prepared = undefined;
    if (!next || !old) {
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
    this.swapDone?.();
    void this.retire(old, next);
  }

  /** Retire: what only the old child used is revoked, now that it has exited. */
  private async retire(old: Generation, next: Generation): Promise<void> {
    const kept = new Set(next.secrets.leases.map((lease) => lease.id));
    const superseded = old.secrets.leases.filter((lease) => !kept.has(lease.id));
    const tokenRetired =
      old.token !== next.token &&
      old.token !== this.token?.session.token &&
      this.ownTokens.includes(old.token) &&
      ![...this.outstanding.values()].some((entry) => entry.token === old.token && kept.has(entry.lease.id));
    if (tokenRetired) {
      // revoke-self of the old token ends its leases too, and needs no extra grant.
      await revokeTokens(this.client, [old.token], this.log);
      this.ownTokens.splice(this.ownTokens.indexOf(old.token), 1);
      for (const [id, entry] of this.outstanding) if (entry.token === old.token) this.outstanding.delete(id);
      return;
    }
    await this.revokeUnused(superseded);
  }

  /** Revokes `leases` and any lease read by a failed or abandoned preparation that no child uses. */
  private async revokeUnused(leases: Lease[]): Promise<void> {
    const inUse = new Set(
      [this.generation, this.prepared].flatMap((generation) =>
        (generation?.secrets.leases ?? []).map((lease) => lease.id),
      ),
    );
    const unused = [...this.outstanding.values()]
      .map((entry) => entry.lease)
      .filter((lease) => !inUse.has(lease.id) || leases.some((candidate) => candidate.id === lease.id));
    if (unused.length === 0) return;
    const token = this.token!.session.token;
    for (const lease of await revokeLeases(this.client, token, unused, this.log))
      this.outstanding.delete(lease.id);
  }

  /** Renewal for the generation's new leases (kept ones already have theirs), and its --watch. */
  private watchGeneration(generation: Generation): void {
    for (const lease of generation.secrets.leases) {
      if (this.stopRenewals.has(lease.id)) continue;
      this.stopRenewals.set(
        lease.id,
        keepLeaseAlive({
          client: this.client,
          lease,
          token: () => this.token!.session.token,
          log: this.log,
          now: this.now,
          onEnding: (expiresAt) =>
            void this.requestRestart({
              reason: `the lease of ${lease.path} is reaching its max TTL`,
              replace: new Set([lease.path]),
              deadline: expiresAt,
            }),
          // The lease is gone: one attempt at fresh credentials, then exit 75.
          onLost: (message) =>
            void this.requestRestart({ reason: message, replace: new Set([lease.path]), deadline: 0 }),
        }),
      );
    }
    const intervalMs = this.config.watchIntervalMs;
    if (intervalMs === undefined) return;
    this.stopRotationWatch = watchForRotation({
      client: this.client,
      token: () => this.token!.session.token,
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
    this.ownTokens.push(this.token!.session.token);
    const leased = new Set(
      (this.generation?.secrets.leases ?? [])
        .filter((lease) => this.outstanding.get(lease.id)?.token === previous.token)
        .map((lease) => lease.path),
    );
    const childHoldsToken = this.config.passToken && this.generation?.token === previous.token;
    if (leased.size === 0 && !childHoldsToken) {
      // Nothing depends on the old token any more.
      void revokeTokens(this.client, [previous.token], this.log);
      this.ownTokens.splice(this.ownTokens.indexOf(previous.token), 1);
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
