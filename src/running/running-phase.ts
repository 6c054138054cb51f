// The running phase: from the first child on, the one owner of the token (through its keeper), the
// leases, the env of the running child (its generation) and the restart protocol. It is built after
// the login, from the session and the first secrets, and starts the first child when built.
import type { ForwardedSignal } from '../child/signals';
import type { ChildProcess, SpawnOptions } from '../child/spawn';
import { createSupervisor, type Supervisor } from '../child/supervisor-shell';
import type { AuthConfig, Config } from '../cli/config';
import { monotonicNow, type Clock } from '../util/clock';
import { formatDuration } from '../util/duration';
import type { Env } from '../util/env';
import type { Logger } from '../util/log';
import { NO_OBSERVER, type Observer } from '../util/observer';
import type { Session } from '../vault/auth';
import type { VaultClient } from '../vault/http/client';
import type { CredentialLedger } from './credential-ledger';
import { prepareGeneration, type Generation } from './generation';
import { LeaseRenewals } from './lease-renewals';
import { RestartQueue } from './restart-queue';
import { causesOf, type RestartRequest } from './restart-request';
import { watchSecrets } from './secret-watch';
import { CertificateKeeper } from './certificate-keeper';
import type { SecretFiles } from '../child/secret-files';
import type { ReloadSignal } from '../cli/file-outputs';
import { issueCertificate, revokeCertificate, type IssuedCertificate } from '../vault/pki';
import { TokenKeeper, type ReplacedToken } from './token-keeper';

export interface RunningPhaseOptions {
  config: Config;
  client: VaultClient;
  log: Logger;
  /** Holds the login's token and the first generation's leases already. */
  ledger: CredentialLedger;
  /** The login the first generation was read with; `issuedAt` is when Vault answered it (monotonic). */
  login: { auth: AuthConfig; session: Session; issuedAt: number };
  first: Generation;
  /** The environment every generation's env is built from (with --user's HOME, USER, LOGNAME). */
  inherited: Env;
  /** stdin is a terminal (see child/signals.ts). */
  terminal: boolean;
  /** Where the first generation's files were written; each later generation's are rewritten there. */
  files?: SecretFiles;
  now?: Clock;
  spawn?: (command: string[], env: Record<string, string>, options: SpawnOptions) => ChildProcess;
  /** Told of each lifecycle event (the metrics of --metrics-addr). */
  observer?: Observer;
}

/**
 * Restarts are make-before-break:
 *
 *   prepare  read again only what must be replaced (changed KV paths, ending leases, everything
 *            leased after a new token) and build the env, while the old child runs on. Failing is
 *            a warning: --watch asks again at its next check; an ending lease or token is retried
 *            with backoff until it expires, and only then vault-exec stops the child and exits 75.
 *   swap     only then the supervisor stops the old child; the new one starts with the prepared env
 *            the moment the old one has exited.
 *   retire   superseded leases (or a replaced token of ours) are revoked once that child is gone.
 *
 * With secret files (--file, --template, --certificate) the next generation's files are rewritten
 * between prepare and swap, so a failed rewrite is a failed preparation. When the env is unchanged,
 * there is no swap: with --reload-signal the running child gets that signal (reload), and when no file
 * changed either it is left alone. The old generation, a superseded certificate included, is retired
 * --kill-timeout after a reload, at once when nothing changed. A reissued certificate asks for a
 * restart with nothing to read again.
 */
export class RunningPhase {
  private readonly supervisor: Supervisor;
  private readonly config: Config;
  private readonly client: VaultClient;
  private readonly log: Logger;
  private readonly now: Clock;
  private readonly ledger: CredentialLedger;
  private readonly observer: Observer;
  private readonly closing = new AbortController();
  private readonly tokenKeeper: TokenKeeper;
  private readonly renewals: LeaseRenewals;
  private readonly restarts: RestartQueue;
  /** The running child's secrets. */
  private generation: Generation;
  /** The next child's, between the swap and its start. */
  private prepared?: Generation;
  private stopSecretWatch = (): void => {};
  private swapped = Promise.resolve();
  private onSwapDone?: () => void;
  /** Settles once the preparation in flight (if any) has recorded the leases it read. */
  private preparing: Promise<void> = Promise.resolve();
  private readonly certificateKeeper: CertificateKeeper;
  /** The newest certificate of each --certificate: the next generation is built with these. */
  private latestCertificates: IssuedCertificate[];
  /** Retirements waiting out a reload's grace period (retireAfterReload). */
  private readonly pendingRetirements = new Map<ReturnType<typeof setTimeout>, Generation>();

  constructor(private readonly options: RunningPhaseOptions) {
    const { config, client, log, ledger, first } = options;
    this.config = config;
    this.client = client;
    this.log = log;
    this.ledger = ledger;
    this.now = options.now ?? monotonicNow;
    const observer = (this.observer = options.observer ?? NO_OBSERVER);
    this.generation = first;
    this.supervisor = createSupervisor({
      killTimeoutMs: config.killTimeoutMs,
      log,
      terminal: options.terminal,
      processGroup: config.processGroup,
      onRespawn: () => this.startPrepared(),
      spawn: options.spawn,
      observer,
    });
    this.restarts = new RestartQueue({
      attempt: (request) => this.attemptRestart(request),
      swapDone: () => this.swapped,
      onDeferred: (request, reason, retry) => this.deferRestart(request, reason, retry),
      onExpired: (request, reason) => {
        observer.restartFailed();
        this.loseCredentials(
          `could not read fresh secrets before the old ones expired (${request.reason}): ${reason}`,
        );
      },
      now: this.now,
      signal: this.closing.signal,
    });
    this.renewals = new LeaseRenewals({
      client,
      token: () => this.tokenKeeper.token,
      log,
      now: this.now,
      observer,
      onEnding: (lease, expiresAt) =>
        void this.restarts.request({
          reason: `the lease of ${lease.path} is reaching its max TTL`,
          cause: 'lease-end',
          replace: new Set([lease.path]),
          deadline: expiresAt,
        }),
      // The lease is gone already: one attempt at fresh credentials, then exit 75.
      onLost: (lease, reason) =>
        void this.restarts.request({
          reason,
          cause: 'lease-lost',
          replace: new Set([lease.path]),
          deadline: 0,
        }),
    });
    this.tokenKeeper = new TokenKeeper({
      client,
      auth: options.login.auth,
      session: options.login.session,
      issuedAt: options.login.issuedAt,
      ledger,
      log,
      now: this.now,
      observer,
      onFailure: (message) => this.loseCredentials(message),
      onReplaced: (previous) => this.onTokenReplaced(previous),
    });

    this.latestCertificates = first.certificates;
    this.certificateKeeper = new CertificateKeeper({
      issue: (request) => issueCertificate(client, this.tokenKeeper.token, request, log),
      log,
      now: this.now,
      onReissued: (certificate, expiresAt) => this.onCertificateReissued(certificate, expiresAt),
      // As a lease that could not be replaced before it expired: a failed restart, then not ready.
      onFailure: (message) => {
        observer.restartFailed();
        this.loseCredentials(message);
      },
    });
    for (const issued of first.certificates) {
      const request = config.files.certificates.find((candidate) => candidate.name === issued.name);
      if (request) this.certificateKeeper.keep(request, issued);
    }

    this.supervisor.start(config.command, first.env);
    observer.phase('running');
    this.watchGeneration(first);
    const unwatchable = first.secrets.unwatchable;
    if (config.watchIntervalMs !== undefined && unwatchable.length > 0)
      log.info(
        `--watch does not watch ${unwatchable.join(', ')}: only KV secrets and database static roles can be compared`,
      );
  }

  /** Resolves once with the code vault-exec should exit with. */
  get exited(): Promise<number> {
    return this.supervisor.exited;
  }

  dispatchSignal(signal: ForwardedSignal): void {
    this.supervisor.dispatch({ type: 'signal', signal });
  }

  /** Asks for a restart; resolves true once the next generation was prepared and the swap began. */
  requestRestart(request: RestartRequest): Promise<boolean> {
    return this.restarts.request(request);
  }

  /**
   * Stops renewing and watching, then revokes what vault-exec holds: all of it, a read still in
   * flight included, within the ledger's clean-up budget. Never fails.
   */
  async close(): Promise<void> {
    this.closing.abort(new Error('vault-exec is exiting'));
    this.tokenKeeper.stop();
    this.certificateKeeper.stopAll();
    for (const timer of this.pendingRetirements.keys()) clearTimeout(timer);
    this.pendingRetirements.clear();
    this.stopSecretWatch();
    this.renewals.stopAll();
    this.restarts.cancel();
    if (!this.config.revokeToken) return;
    // A read still in flight (SIGTERM or the child's exit during a prepare) may yet mint a lease, and
    // with the user's token nothing else would revoke it; a re-login in flight may yet mint a token:
    // give them part of the budget.
    await this.ledger.cleanUp(Promise.all([this.preparing, this.tokenKeeper.settled]));
  }

  /** The token or a lease is gone: not ready from now until exit, and the child is stopped (75). */
  private loseCredentials(message: string): void {
    this.observer.phase('failed');
    this.supervisor.dispatch({ type: 'credentials-lost', message });
  }

  /** One attempt at a restart: prepare, and swap only if that worked. */
  private async attemptRestart(request: RestartRequest): Promise<'swapped' | 'abandoned'> {
    if (this.supervisor.phase !== 'running') return 'abandoned';
    let next: Generation;
    try {
      next = await this.prepare(request.replace);
    } catch (error) {
      // Once closing, close() revokes everything the ledger holds; revoking here too would race it.
      if (!this.closing.signal.aborted) await this.revokeUnused();
      throw error;
    }
    if (this.supervisor.phase !== 'running' || this.closing.signal.aborted) {
      if (!this.closing.signal.aborted) await this.revokeUnused();
      return 'abandoned';
    }
    let written: string[] = [];
    try {
      // Before the swap: a failure leaves the old files and the old child, and is retried as a
      // failed preparation is.
      written = this.options.files?.write(next.files) ?? [];
      if (written.length > 0)
        this.log.info(
          `rewrote ${written.length} secret file${written.length === 1 ? '' : 's'}: ${written.join(', ')}`,
          {
            event: 'files-written',
          },
        );
    } catch (error) {
      if (!this.closing.signal.aborted) await this.revokeUnused();
      throw error;
    }
    if (this.options.files !== undefined && sameEnv(this.generation.env, next.env)) {
      const signal = this.config.files.reloadSignal;
      if (written.length === 0 || signal !== undefined) {
        if (written.length > 0) this.observer.reloaded(request.cause);
        this.adopt(next, written.length === 0 ? undefined : { reason: request.reason, signal: signal! });
        this.countAppliedChange(request);
        return 'swapped';
      }
    }
    this.swap(next, request);
    this.countAppliedChange(request);
    return 'swapped';
  }

  /** For VaultExecSecretChangeNotPickedUp: whichever way, and whatever it was merged into. */
  private countAppliedChange(request: RestartRequest): void {
    if (causesOf(request).has('secret-changed')) this.observer.secretChangeApplied();
  }

  /**
   * Only files changed (or nothing the child uses): the running child keeps running with the next
   * generation's secrets, told by the reload signal to re-read its files, which are rewritten already.
   */
  private adopt(next: Generation, reload?: { reason: string; signal: ReloadSignal }): void {
    const old = this.generation;
    this.generation = next;
    this.stopSecretWatch();
    this.renewals.keepOnly(next.secrets.leases);
    this.watchGeneration(next);
    if (reload) {
      this.supervisor.dispatch({ type: 'reload-requested', ...reload });
      this.retireAfterReload(old, next);
      return;
    }
    this.log.debug('nothing the child uses changed: it keeps running as it is', { event: 'unchanged' });
    void this.retire(old, next);
  }

  /**
   * Make-before-break for a reload: a signalled child may still be re-reading its files, or holding
   * connections made with the old credentials, when the signal is sent. It gets --kill-timeout, the
   * time it is given to act on any signal of ours (a stop, a restart), before what it used is revoked.
   * At exit a pending retirement is dropped: close() revokes the leases, a certificate stays valid
   * until its not_after (as the one in use does).
   */
  private retireAfterReload(old: Generation, next: Generation): void {
    const timer = setTimeout(() => {
      this.pendingRetirements.delete(timer);
      if (!this.closing.signal.aborted) void this.retire(old, next);
    }, this.config.killTimeoutMs);
    timer.unref?.();
    this.pendingRetirements.set(timer, old);
  }

  private onCertificateReissued(certificate: IssuedCertificate, expiresAt: number): void {
    this.latestCertificates = [
      ...this.latestCertificates.filter((issued) => issued.name !== certificate.name),
      certificate,
    ];
    void this.restarts.request({
      reason: `the certificate ${certificate.name} was reissued (serial ${certificate.serialNumber})`,
      cause: 'certificate-reissued',
      replace: new Set(),
      deadline: expiresAt,
    });
  }

  private prepare(replace: ReadonlySet<string>): Promise<Generation> {
    const token = this.tokenKeeper.token;
    const preparing = prepareGeneration({
      ...this.options,
      now: this.now,
      token,
      previous: this.generation,
      replace,
      certificates: this.latestCertificates,
      filesDir: this.options.files?.dir,
      onLease: (lease) => this.ledger.recordLeases([lease], token),
    });
    this.preparing = preparing.then(
      () => this.observer.secretsRead(),
      () => undefined,
    );
    return preparing;
  }

  private deferRestart(
    request: RestartRequest,
    reason: string,
    retry?: { inMs: number; leftMs: number },
  ): void {
    const what = `could not prepare the restart (${request.reason}): ${reason}; the child keeps running`;
    this.observer.restartFailed();
    this.log.warn(
      retry === undefined
        ? `${what}, and the next check tries again`
        : `${what}, retrying in ${formatDuration(retry.inMs)} (the old credentials expire in ${formatDuration(retry.leftMs)})`,
      { event: 'restart-failed' },
    );
  }

  /** Swap: the old child is stopped only now; startPrepared runs when it has exited. */
  private swap(next: Generation, request: RestartRequest): void {
    this.observer.phase('restarting');
    this.observer.restarted(request.cause);
    this.prepared = next;
    this.swapped = new Promise((resolve) => (this.onSwapDone = resolve));
    this.stopSecretWatch();
    this.renewals.keepOnly(next.secrets.leases);
    // The new leases live from now on, not from when the old child has exited: a kill timeout
    // longer than their TTL must not let them expire before the new child starts.
    this.renewals.add(next.secrets.leases);
    this.supervisor.dispatch({ type: 'restart-requested', reason: request.reason });
  }

  private startPrepared(): void {
    const [old, next] = [this.generation, this.prepared];
    this.prepared = undefined;
    if (!next) {
      // Cannot happen: the machine only respawns after a swap.
      this.supervisor.dispatch({ type: 'credentials-lost', message: 'no prepared secrets to restart with' });
      return;
    }
    const exitedAt = this.now();
    this.generation = next;
    this.supervisor.start(this.config.command, next.env);
    this.observer.phase('running');
    this.log.debug(`the new child started ${Math.round(this.now() - exitedAt)} ms after the old one exited`, {
      event: 'restarted',
    });
    this.watchGeneration(next);
    this.onSwapDone?.();
    void this.retire(old, next);
  }

  /** Retire: what only the old child used is revoked, now that it has exited. */
  private async retire(old: Generation, next: Generation): Promise<void> {
    const replacedToken = old.token !== next.token && old.token !== this.tokenKeeper.token;
    const stillUsed = next.secrets.leases.some((lease) => this.ledger.tokenOf(lease.id) === old.token);
    if (replacedToken && !stillUsed) await this.ledger.retireToken(old.token);
    await this.revokeUnused();
    await this.revokeSupersededCertificates(old, next);
  }

  /** A certificate the child no longer uses is revoked, where the role and the policy allow it. */
  private async revokeSupersededCertificates(old: Generation, next: Generation): Promise<void> {
    const serials = new Set(next.certificates.map((issued) => issued.serialNumber));
    for (const issued of old.certificates) {
      if (serials.has(issued.serialNumber)) continue;
      const request = this.config.files.certificates.find((candidate) => candidate.name === issued.name);
      if (request)
        await revokeCertificate(
          this.client,
          this.tokenKeeper.token,
          request.mount,
          issued.serialNumber,
          this.log,
        );
    }
  }

  private revokeUnused(): Promise<void> {
    const inUse = new Set(
      // A generation in its reload grace period is still the child's until it ends.
      [this.generation, this.prepared, ...this.pendingRetirements.values()].flatMap((generation) =>
        (generation?.secrets.leases ?? []).map((lease) => lease.id),
      ),
    );
    return this.ledger.revokeUnused(inUse, this.tokenKeeper.token);
  }

  /** Renewal for the generation's new leases (kept ones already have theirs), and its --watch. */
  private watchGeneration(generation: Generation): void {
    this.renewals.add(generation.secrets.leases);
    const intervalMs = this.config.watchIntervalMs;
    if (intervalMs === undefined) return;
    this.stopSecretWatch = watchSecrets({
      client: this.client,
      token: () => this.tokenKeeper.token,
      versions: generation.secrets.versions,
      intervalMs,
      log: this.log,
      observer: this.observer,
      onChange: (reason, changed) =>
        this.restarts.request({ reason, cause: 'secret-changed', replace: changed }),
    });
  }

  /**
   * Leases die with the token that read them, and a child given the token (--pass-token) holds the
   * old one: either way the child needs a restart before the old token expires. Otherwise the old
   * token is of no more use and is revoked now.
   */
  private onTokenReplaced(previous: ReplacedToken): void {
    const leased = new Set(
      this.generation.secrets.leases
        .filter((lease) => this.ledger.tokenOf(lease.id) === previous.token)
        .map((lease) => lease.path),
    );
    const childHoldsToken = this.config.passToken && this.generation.token === previous.token;
    if (leased.size === 0 && !childHoldsToken) {
      void this.ledger.retireToken(previous.token);
      return;
    }
    void this.restarts.request({
      cause: 'token-replaced',
      reason:
        leased.size > 0
          ? 'the token was replaced at its max TTL, and the leases read with the old token end with it'
          : 'the token was replaced at its max TTL, and the child holds the old one (--pass-token)',
      replace: leased,
      deadline: previous.expiresAt,
    });
  }
}

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => b[name] === a[name]);
}
