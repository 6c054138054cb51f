// The metrics of --metrics-addr, named as the README lists them, fed by the Observer every layer
// calls, and the readiness /readyz answers from: a child runs, and its credentials have not expired.
import type { Observer, Outcome, Phase, RestartCause, VaultOperation } from '../util/observer';
import { Registry } from './exposition';
import { collectProcessMetrics } from './process-metrics';

/** Seconds; Vault answers in milliseconds, a slow one up to --request-timeout (10 s by default). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const OUTCOMES: Outcome[] = ['success', 'rejected', 'error'];
const CAUSES: RestartCause[] = [
  'lease-end',
  'lease-lost',
  'token-replaced',
  'secret-changed',
  'certificate-reissued',
];

export interface VaultExecMetrics extends Observer {
  render(): string;
  ready(): boolean;
}

export function createVaultExecMetrics(options: {
  version: string;
  /** The configured login method, so its counters exist at 0 before the first login. */
  method: string;
  wallNow?: () => number;
}): VaultExecMetrics {
  const wallNow = options.wallNow ?? Date.now;
  const registry = new Registry();
  const build = registry.gauge(
    'vault_exec_build_info',
    'vault-exec version and the Node.js it runs on (always 1)',
  );
  build.set({ version: options.version, node: process.versions.node }, 1);
  const tokenExpiry = registry.gauge(
    'vault_exec_token_expiry_timestamp_seconds',
    'When the Vault token in use expires (Unix seconds); absent for a token that never expires',
  );
  const leaseExpiry = registry.gauge(
    'vault_exec_lease_expiry_timestamp_seconds',
    'When the lease of each secret path in use expires (Unix seconds)',
  );
  const requests = registry.counter(
    'vault_exec_vault_requests_total',
    'Requests to Vault by operation and HTTP status ("error": no answer)',
  );
  const durations = registry.histogram(
    'vault_exec_vault_request_duration_seconds',
    'Time from sending a request to Vault to its full answer, by operation',
    DURATION_BUCKETS,
  );
  const logins = registry.counter(
    'vault_exec_logins_total',
    'Logins (the first and each re-login) by method and result',
    OUTCOMES.map((result) => ({ method: options.method, result })),
  );
  const renewals = registry.counter(
    'vault_exec_renewals_total',
    'Renewals of the token and of leases, by result',
    (['token', 'lease'] as const).flatMap((kind) => OUTCOMES.map((result) => ({ kind, result }))),
  );
  const childUp = registry.gauge(
    'vault_exec_child_up',
    'Whether the child process is running (1) or not (0)',
  );
  childUp.set({}, 0);
  const starts = registry.counter('vault_exec_child_starts_total', 'Child processes started', [{}]);
  const restarts = registry.counter(
    'vault_exec_child_restarts_total',
    'Graceful restarts of the child with fresh secrets, by reason',
    CAUSES.map((reason) => ({ reason })),
  );
  const reloads = registry.counter(
    'vault_exec_child_reloads_total',
    'Files rewritten and the child sent --reload-signal instead of a restart, by reason',
    CAUSES.map((reason) => ({ reason })),
  );
  const restartFailures = registry.counter(
    'vault_exec_restart_failures_total',
    'Restarts that could not be prepared (the old child kept running)',
    [{}],
  );
  const checks = registry.counter(
    'vault_exec_secret_checks_total',
    '--watch checks of the secrets in use, by result',
    (['unchanged', 'changed', 'error'] as const).map((result) => ({ result })),
  );
  const changes = registry.counter(
    'vault_exec_secret_changes_total',
    '--watch checks that found a changed secret',
    [{}],
  );
  const applied = registry.counter(
    'vault_exec_secret_changes_applied_total',
    'Changed secrets now in the child: restarted, reloaded, or adopted when nothing it uses changed',
    [{}],
  );
  const lastRead = registry.gauge(
    'vault_exec_last_secret_read_timestamp_seconds',
    'When secrets were last read from Vault for a child (Unix seconds)',
  );
  registry.collect(collectProcessMetrics);

  let phase: Phase = 'starting';
  let childRunning = false;
  let tokenEndsAt: number | undefined;
  const leaseEndsAt = new Map<string, number>();

  return {
    vaultRequest(operation: VaultOperation, code: string, seconds: number) {
      requests.inc({ operation, code });
      durations.observe({ operation }, seconds);
    },
    login: (method, result) => logins.inc({ method, result }),
    renewal: (kind, result) => renewals.inc({ kind, result }),
    tokenExpiry(unixSeconds) {
      tokenEndsAt = unixSeconds;
      if (unixSeconds === undefined) tokenExpiry.remove({});
      else tokenExpiry.set({}, unixSeconds);
    },
    leaseExpiry(path, unixSeconds) {
      if (unixSeconds === undefined) {
        leaseEndsAt.delete(path);
        leaseExpiry.remove({ path });
      } else {
        leaseEndsAt.set(path, unixSeconds);
        leaseExpiry.set({ path }, unixSeconds);
      }
    },
    secretsRead: () => lastRead.set({}, Math.round(wallNow() / 1000)),
    secretCheck(result) {
      checks.inc({ result });
      if (result === 'changed') changes.inc();
    },
    childStarted() {
      starts.inc();
      childUp.set({}, 1);
      childRunning = true;
    },
    childExited() {
      childUp.set({}, 0);
      childRunning = false;
    },
    restarted: (reason) => restarts.inc({ reason }),
    reloaded: (reason) => reloads.inc({ reason }),
    restartFailed: () => restartFailures.inc(),
    secretChangeApplied: () => applied.inc(),
    phase(next) {
      // A renewal failure holds until exit: a later event of the stopping child does not undo it.
      if (phase === 'failed' && next !== 'exiting') return;
      phase = next;
    },
    render: () => registry.render(),
    ready() {
      if (phase !== 'running' || !childRunning) return false;
      const nowSeconds = wallNow() / 1000;
      if (tokenEndsAt !== undefined && tokenEndsAt <= nowSeconds) return false;
      for (const endsAt of leaseEndsAt.values()) if (endsAt <= nowSeconds) return false;
      return true;
    },
  };
}
