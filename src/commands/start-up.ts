// The one start-up of run, check and env: wait for Vault → unwrap → log in → read the secrets.
// Everything it obtains goes into the ledger the moment it exists, so whatever ends the start-up
// (a failure, a stop signal) leaves nothing behind that the caller cannot revoke.
import type { AuthConfig, Config } from '../cli/config';
import { fileRefsOf } from '../cli/file-outputs';
import type { Clock } from '../util/clock';
import { AuthError } from '../util/errors';
import type { Logger } from '../util/log';
import { NO_OBSERVER, type Observer } from '../util/observer';
import type { CredentialLedger } from '../running/credential-ledger';
import { logsIn, login, type Session } from '../vault/auth';
import type { VaultClient } from '../vault/http/client';
import { readSecrets, type ResolvedSecrets } from '../vault/secrets';
import { unwrapSecretId } from '../vault/unwrap';
import { waitForVault } from '../vault/wait-for-vault';

export interface StartedUp {
  /** As logged in with: a wrapped secret_id is unwrapped, so re-logins use the plain one. */
  auth: AuthConfig;
  session: Session;
  /** When the login was answered (monotonic): the token's TTL counts from here. */
  issuedAt: number;
  secrets: ResolvedSecrets;
}

export async function startUp(options: {
  config: Config;
  client: VaultClient;
  log: Logger;
  ledger: CredentialLedger;
  now: Clock;
  /**
   * Aborted by a stop signal: the next step does not begin, and the start-up rejects with the
   * abort's reason (the caller, which aborted it, exits 128+N after cleaning up).
   */
  signal: AbortSignal;
  /** `check`: a preflight leaves the secret_id file for the start it checks. */
  keepSecretIdFile?: boolean;
  observer?: Observer;
}): Promise<StartedUp> {
  const { config, client, log, ledger, now, signal } = options;
  const observer = options.observer ?? NO_OBSERVER;
  await waitForVault({
    client,
    timeoutMs: config.waitTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    log,
    signal,
  });
  signal.throwIfAborted();
  const auth =
    config.auth.method === 'approle' && config.auth.secretIdWrapped
      ? await unwrapSecretId(client, config.auth, log)
      : config.auth;
  signal.throwIfAborted();
  let session: Session;
  try {
    session = await login(client, options.keepSecretIdFile ? keepSecretIdFile(auth) : auth, log);
  } catch (error) {
    observer.login(auth.method, error instanceof AuthError ? 'rejected' : 'error');
    throw error;
  }
  observer.login(auth.method, 'success');
  const issuedAt = now();
  ledger.holdToken(session, logsIn(auth));
  signal.throwIfAborted();
  const secrets = await readSecrets({
    client,
    token: session.token,
    mappings: config.secrets,
    imports: config.pathImports,
    templates: config.templates,
    fileRefs: fileRefsOf(config.files),
    log,
    onLease: (lease) => ledger.recordLeases([lease], session.token),
    signal,
    now,
  });
  observer.secretsRead();
  // Nothing read may be used once a stop signal came: env would print it, run would start a child.
  signal.throwIfAborted();
  return { auth, session, issuedAt, secrets };
}

function keepSecretIdFile(auth: AuthConfig): AuthConfig {
  return auth.method === 'approle' ? { ...auth, removeSecretIdFile: false } : auth;
}
