// Turns a response-wrapped secret_id into the secret_id, once, before the first login. A wrapping token
// is single-use, so whoever unwraps it first gets the secret_id: interception shows up as a spent token.
import type { AuthConfig } from '../cli/config';
import { AuthError, VaultUnavailableError, quote } from '../util/errors';
import type { Logger } from '../util/log';
import {
  VaultTransportError,
  isTransientStatus,
  vaultMessage,
  type VaultClient,
  type VaultResponse,
} from './http/client';
import { sendOrGiveUp } from './http/send';

/**
 * Before unwrapping, the token's creation path is checked (without using it up), so a token wrapping
 * something else is refused instead of being consumed.
 */
export async function unwrapSecretId(
  client: VaultClient,
  auth: Extract<AuthConfig, { method: 'approle' }>,
  log: Logger,
): Promise<AuthConfig> {
  const wrappingToken = auth.secretId;
  if (wrappingToken === undefined)
    throw new AuthError(
      '--secret-id-wrapped is set, but no secret_id was given (VAULT_SECRET_ID or --secret-id-file)',
    );
  log.redact(wrappingToken);

  const lookup = await sendOrGiveUp(
    client,
    () => client.request('POST', 'sys/wrapping/lookup', { body: { token: wrappingToken } }),
    'looking up the wrapped secret_id',
  );
  if (lookup.status !== 200) throw spentOrInvalid(client, vaultMessage(lookup));
  const creationPath = String(lookup.body?.data?.creation_path ?? '');
  const expected = new RegExp(`^auth/${escapeRegExp(auth.mount)}/role/[^/]+/secret-id$`);
  if (!expected.test(creationPath)) {
    throw new AuthError(
      `refusing to unwrap the wrapped secret_id: it was created by ${quote(creationPath)}, not auth/${auth.mount}/role/<role>/secret-id; it may have been swapped`,
    );
  }

  const unwrapped = await unwrapOnce(client, wrappingToken);
  const secretId = unwrapped.body?.data?.secret_id;
  if (unwrapped.status !== 200 || typeof secretId !== 'string')
    throw spentOrInvalid(client, vaultMessage(unwrapped));
  log.redact(secretId);
  log.info(`unwrapped the secret_id (created by ${creationPath})`, { event: 'unwrap' });
  return { ...auth, secretId };
}

function spentOrInvalid(client: VaultClient, reason: string): AuthError {
  return new AuthError(
    `the wrapped secret_id was rejected by ${client.address} (${reason}): it has expired or was already unwrapped; if vault-exec did not unwrap it before, someone else may have, so treat the secret_id as compromised and issue a new one`,
  );
}

/**
 * Unwrapping uses the token up, so it is sent once and never retried: had a first attempt reached
 * Vault and its answer been lost, a retry would find the token spent and raise a false alarm.
 */
async function unwrapOnce(client: VaultClient, wrappingToken: string): Promise<VaultResponse> {
  const lost = (reason: string): VaultUnavailableError =>
    new VaultUnavailableError(
      `unwrapping the secret_id at ${client.address} failed: ${reason}; the request may have reached Vault, so this attempt may have succeeded and used the wrapped secret_id up (not retried): if the next start says it was already unwrapped, that was most likely this attempt; issue a new wrapped secret_id`,
    );
  let response: VaultResponse;
  try {
    response = await client.request('POST', 'sys/wrapping/unwrap', { token: wrappingToken });
  } catch (error) {
    if (!(error instanceof VaultTransportError)) throw error;
    if (error.mayHaveReachedVault) throw lost(error.reason);
    throw new VaultUnavailableError(
      `unwrapping the secret_id at ${client.address} failed: ${error.reason}; Vault did not act on it, so the wrapped secret_id is unused: start again once Vault is reachable`,
    );
  }
  // A 5xx may come from a proxy after Vault answered: as uncertain as a lost answer.
  if (isTransientStatus(response.status)) throw lost(`${vaultMessage(response)} (HTTP ${response.status})`);
  return response;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
