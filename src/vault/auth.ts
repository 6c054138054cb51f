import { rmSync } from 'node:fs';
import { monotonicNow, type Clock } from '../clock';
import type { AuthConfig } from '../config';
import { AuthError, VaultUnavailableError } from '../errors';
import type { Logger } from '../log';
import { vaultMessage, type VaultClient, type VaultResponse } from './client';
import { isTransientFailure, requestWithRetry } from './retry';
import { parseTtlSeconds } from './ttl';

/** What a login gives us: the token and how long it lives. */
export interface Session {
  token: string;
  /** 0 means the token never expires (a root token): nothing to renew. */
  ttlSeconds: number;
  renewable: boolean;
  policies: string[];
  /** On the monotonic clock. */
  obtainedAt: number;
}

export type LoginResult = { ok: true; session: Session } | { ok: false; rejected: boolean; message: string };

/**
 * Logs in once. A rejection (wrong or used-up secret_id, unknown role, lockout) is final and is never
 * retried in a loop; only transport failures and 5xx are retried, briefly.
 */
export async function attemptLogin(
  client: VaultClient,
  auth: AuthConfig,
  log: Logger,
  now: Clock = monotonicNow,
): Promise<LoginResult> {
  if (auth.method === 'token') return lookUpToken(client, auth, now);
  const mount = auth.mount;
  const result = await requestWithRetry(
    () =>
      client.request('POST', `auth/${mount}/login`, {
        body:
          auth.secretId === undefined
            ? { role_id: auth.roleId }
            : { role_id: auth.roleId, secret_id: auth.secretId },
      }),
    {
      onRetry: (reason, attempt) =>
        log.warn(`AppRole login at auth/${mount} failed: ${reason}; retrying (attempt ${attempt})`),
    },
  );
  if (isTransientFailure(result)) {
    return {
      ok: false,
      rejected: false,
      message: `AppRole login at ${client.address} (auth/${mount}) failed: ${result.reason}`,
    };
  }
  if (result.status === 200 && typeof result.body?.auth?.client_token === 'string') {
    const ttlSeconds = parseTtlSeconds(result.body.auth.lease_duration);
    // A damaged answer, not a token that never expires: a later login will most likely read it whole.
    if (ttlSeconds === undefined)
      return {
        ok: false,
        rejected: false,
        message: `AppRole login at ${client.address} (auth/${mount}) answered 200 without a valid auth.lease_duration`,
      };
    return { ok: true, session: sessionFrom(result, ttlSeconds, now) };
  }
  return {
    ok: false,
    rejected: true,
    message: describeRejectedLogin(result, client.address, mount, auth.secretId),
  };
}

/** The first login of a run: failures end vault-exec with 77 (rejected) or 69 (Vault unreachable). */
export async function login(client: VaultClient, auth: AuthConfig, log: Logger): Promise<Session> {
  const result = await attemptLogin(client, auth, log);
  if (!result.ok)
    throw result.rejected ? new AuthError(result.message) : new VaultUnavailableError(result.message);
  log.redact(result.session.token);
  const lifetime =
    result.session.ttlSeconds === 0
      ? 'no expiry'
      : `TTL ${result.session.ttlSeconds} s${result.session.renewable ? ', renewable' : ', not renewable'}`;
  log.info(
    `logged in to ${client.address} with ${auth.method === 'approle' ? `AppRole (auth/${auth.mount})` : `a token from ${auth.source}`} (${lifetime})`,
    {
      event: 'login',
    },
  );
  if (auth.method === 'approle' && auth.removeSecretIdFile && auth.secretIdFile)
    removeSecretIdFile(auth.secretIdFile, log);
  return result.session;
}

async function lookUpToken(
  client: VaultClient,
  auth: Extract<AuthConfig, { method: 'token' }>,
  now: () => number,
): Promise<LoginResult> {
  const result = await requestWithRetry(() =>
    client.request('GET', 'auth/token/lookup-self', { token: auth.token }),
  );
  if (isTransientFailure(result)) {
    return {
      ok: false,
      rejected: false,
      message: `looking up the token from ${auth.source} at ${client.address} failed: ${result.reason}`,
    };
  }
  if (result.status !== 200) {
    return {
      ok: false,
      rejected: true,
      message: `the token from ${auth.source} was rejected by ${client.address} (${vaultMessage(result)}): it may be expired or revoked; log in again (vault login) or use AppRole`,
    };
  }
  const data = result.body?.data ?? {};
  const ttlSeconds = parseTtlSeconds(data.ttl);
  if (ttlSeconds === undefined)
    return {
      ok: false,
      rejected: false,
      message: `looking up the token from ${auth.source} at ${client.address} answered 200 without a valid ttl`,
    };
  return {
    ok: true,
    session: {
      token: auth.token,
      ttlSeconds,
      renewable: data.renewable === true,
      policies: Array.isArray(data.policies) ? data.policies : [],
      obtainedAt: now(),
    },
  };
}

function sessionFrom(response: VaultResponse, ttlSeconds: number, now: () => number): Session {
  const auth = response.body.auth;
  return {
    token: auth.client_token,
    ttlSeconds,
    renewable: auth.renewable === true,
    policies: Array.isArray(auth.policies) ? auth.policies : [],
    obtainedAt: now(),
  };
}

/** Response-wrapping and service tokens; a secret_id never looks like one. */
const TOKEN_PREFIX = /^(hv[sbr]|s)\./;

function describeRejectedLogin(
  response: VaultResponse,
  address: string,
  mount: string,
  secretId: string | undefined,
): string {
  const reason = vaultMessage(response);
  if (response.status === 400 && secretId !== undefined && TOKEN_PREFIX.test(secretId)) {
    return `AppRole login rejected by ${address} (auth/${mount}): ${reason}; the secret_id looks like a response-wrapping token: add --secret-id-wrapped to unwrap it`;
  }
  if (response.status === 400) {
    return `AppRole login rejected by ${address} (auth/${mount}): ${reason}; the secret_id may be wrong, expired or already used up, or the role_id unknown: issue a new secret_id for the role`;
  }
  if (response.status === 403) {
    return `AppRole login denied by ${address} (auth/${mount}): ${reason}; check that AppRole is enabled at auth/${mount} (--approle-mount) and that the role is not locked out after failed logins`;
  }
  return `AppRole login at ${address} (auth/${mount}) failed: ${reason} (HTTP ${response.status})`;
}

function removeSecretIdFile(path: string, log: Logger): void {
  try {
    rmSync(path, { force: true });
    log.debug(`removed the secret_id file ${path}`);
  } catch (error) {
    log.warn(
      `could not remove the secret_id file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`,
    );
  }
}
