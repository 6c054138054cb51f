import type { AuthConfig } from '../config';
import { AuthError, VaultUnavailableError, quote } from '../errors';
import type { Logger } from '../log';
import { vaultMessage, type VaultClient } from './client';
import { isTransientFailure, requestWithRetry } from './retry';

/**
 * Turns a response-wrapped secret_id into the secret_id, once, before the first login.
 *
 * A wrapping token is single-use, so whoever unwraps it first gets the secret_id: interception shows
 * up as a token that is already spent. Before unwrapping, its creation path is checked (without using
 * it up), so a token wrapping something else is refused instead of being consumed.
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

  const lookup = await send(
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

  const unwrapped = await send(
    client,
    () => client.request('POST', 'sys/wrapping/unwrap', { token: wrappingToken }),
    'unwrapping the secret_id',
  );
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

async function send(client: VaultClient, request: Parameters<typeof requestWithRetry>[0], what: string) {
  const result = await requestWithRetry(request);
  if (isTransientFailure(result))
    throw new VaultUnavailableError(`${what} at ${client.address} failed: ${result.reason}`);
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
