// The user's own token is not a login: it is looked up, to learn its TTL and whether it renews.
import type { AuthConfig } from '../../cli/config';
import { vaultMessage, type VaultClient } from '../http/client';
import { isTransientFailure, requestWithRetry } from '../http/send';
import { parseTtlSeconds } from '../ttl';
import { isBatchToken, type LoginResult } from './session';

export async function lookUpToken(
  client: VaultClient,
  auth: Extract<AuthConfig, { method: 'token' }>,
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
      batch: isBatchToken(data.type, auth.token),
      accessor: typeof data.accessor === 'string' && data.accessor !== '' ? data.accessor : undefined,
    },
  };
}
