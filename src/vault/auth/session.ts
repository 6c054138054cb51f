// What a login gives (the session: the token and how long it lives) or why it failed, and the one POST
// every login method makes, never sent twice when Vault may have acted on it.
import type { Logger } from '../../util/log';
import { vaultMessage, type VaultClient, type VaultResponse } from '../http/client';
import { isTransientFailure, requestWithRetry } from '../http/send';
import { parseTtlSeconds } from '../ttl';

/** What a login gives us: the token and how long it lives. */
export interface Session {
  token: string;
  /** 0 means the token never expires (a root token): nothing to renew. */
  ttlSeconds: number;
  renewable: boolean;
  /**
   * A batch token cannot revoke itself (revoke-self answers 400), so its leases are revoked one by
   * one; it also cannot be renewed.
   */
  batch: boolean;
  /** Names the token for `vault token revoke -accessor`; it cannot be used to read anything. */
  accessor?: string;
}

/**
 * `rejected`: Vault (or the JWT's issuer) said no; logging in again with the same input cannot help.
 * `usage`: the input could not even be read (a JWT file): a usage error at start-up, retried later on.
 * `retriedAtRelogin`: a refusal that ends the start (77), but at a re-login is retried while the token
 * still lives: AWS's credential source said no, not Vault, and that may pass (a rotated token file).
 */
export type LoginResult =
  | { ok: true; session: Session }
  | { ok: false; rejected: boolean; message: string; usage?: boolean; retriedAtRelogin?: boolean };

export type LoginFailure = Extract<LoginResult, { ok: false }>;

/**
 * POSTs to auth/<mount>/login. A rejection is final and never retried in a loop; only failures that
 * left Vault untouched are retried, briefly: a login whose answer was lost may have minted a token
 * and used up a single-use secret_id, and a second one would spend the secret_id again and leave
 * that token behind. `describeRejection` turns Vault's answer into one line that says what to check.
 */
export async function postLogin(
  client: VaultClient,
  options: {
    /** For messages: "AppRole login", "JWT login". */
    label: string;
    mount: string;
    body: Record<string, unknown>;
    log: Logger;
    describeRejection(response: VaultResponse): string;
  },
): Promise<LoginResult> {
  const { label, mount, log } = options;
  const result = await requestWithRetry(
    () => client.request('POST', `auth/${mount}/login`, { body: options.body }),
    {
      once: true,
      onRetry: (reason, attempt) =>
        log.warn(`${label} at auth/${mount} failed: ${reason}; retrying (attempt ${attempt})`),
    },
  );
  if (isTransientFailure(result)) {
    const failed = `${label} at ${client.address} (auth/${mount}) failed: ${result.reason}`;
    return {
      ok: false,
      rejected: false,
      message: result.mayHaveReachedVault
        ? `${failed}; the request may have reached Vault, so the login may have succeeded there (not retried: a second login would leave that token unrevoked until its TTL ends, and could find a single-use secret_id spent)`
        : failed,
    };
  }
  if (result.status === 200 && typeof result.body?.auth?.client_token === 'string') {
    const ttlSeconds = parseTtlSeconds(result.body.auth.lease_duration);
    // A damaged answer, not a token that never expires: a later login will most likely read it whole.
    if (ttlSeconds === undefined)
      return {
        ok: false,
        rejected: false,
        message: `${label} at ${client.address} (auth/${mount}) answered 200 without a valid auth.lease_duration`,
      };
    return { ok: true, session: sessionFrom(result, ttlSeconds) };
  }
  return { ok: false, rejected: true, message: options.describeRejection(result) };
}

function sessionFrom(response: VaultResponse, ttlSeconds: number): Session {
  const auth = response.body.auth;
  return {
    token: auth.client_token,
    ttlSeconds,
    renewable: auth.renewable === true,
    batch: isBatchToken(auth.token_type, auth.client_token),
    accessor: typeof auth.accessor === 'string' && auth.accessor !== '' ? auth.accessor : undefined,
  };
}

/** Vault says so in token_type (login) or type (lookup); batch tokens also start with hvb. */
export function isBatchToken(type: unknown, token: string): boolean {
  return type === 'batch' || token.startsWith('hvb.');
}

/**
 * The one line for a login Vault refused, as the role-based methods say it: who refused which role,
 * Vault's own reason, and `hint`, the setting to check for that reason.
 */
export function describeRefusedLogin(
  client: VaultClient,
  what: { label: string; mount: string; role?: string },
  hint: (status: number, reason: string) => string,
): (response: VaultResponse) => string {
  return (response) => {
    const reason = vaultMessage(response);
    const verb = response.status === 403 ? 'denied' : 'rejected';
    const as = what.role === undefined ? '' : ` as role "${what.role}"`;
    return `${what.label}${as} ${verb} by ${client.address} (auth/${what.mount}): ${reason}; ${hint(response.status, reason)}`;
  };
}
