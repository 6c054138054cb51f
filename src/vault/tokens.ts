// The token endpoints vault-exec uses after a login: renew-self and revoke-self.
import type { Logger } from '../util/log';
import type { VaultClient } from './http/client';
import { sendRenewal, type RenewOutcome } from './renew';

export function renewToken(
  client: VaultClient,
  token: string,
  incrementSeconds: number,
): Promise<RenewOutcome> {
  return sendRenewal(() =>
    client.request('POST', 'auth/token/renew-self', { token, body: { increment: `${incrementSeconds}s` } }),
  );
}

/**
 * Revokes tokens vault-exec logged in for; Vault revokes every lease read with them too. Never
 * fails: the child's result matters more than our clean-up, which the caller bounds by `timeoutMs`.
 */
export async function revokeTokens(
  client: VaultClient,
  tokens: readonly string[],
  log: Logger,
  timeoutMs: number,
): Promise<void> {
  await Promise.all(
    tokens.map(async (token) => {
      try {
        const response = await client.request('POST', 'auth/token/revoke-self', { token, timeoutMs });
        if (response.status === 204 || response.status === 200)
          log.debug('revoked the token', { event: 'revoke', kind: 'token' });
        else
          log.debug(`token revocation answered HTTP ${response.status} (it may have expired already)`, {
            event: 'revoke-failed',
          });
      } catch (error) {
        log.warn(`could not revoke the token at exit: ${(error as Error).message}`, {
          event: 'revoke-failed',
        });
      }
    }),
  );
}
