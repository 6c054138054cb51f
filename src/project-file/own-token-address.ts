import type { AuthConfig } from '../config';
import { UsageError, escapeControlCharacters } from '../errors';

/**
 * A project file comes with the repository, and `vault-exec check` runs none of the repository's
 * code. So a developer's own token (VAULT_TOKEN, the token helper, ~/.vault-token) is only ever sent
 * to an address the developer chose (--vault-addr or VAULT_ADDR), never to one a file alone names:
 * cloning a repository and running vault-exec in it must not hand the token to its author's server.
 */
export function refuseFileAddressForOwnToken(options: {
  fileAddress: string | undefined;
  auth: AuthConfig;
  file: string;
}): void {
  const { fileAddress, auth } = options;
  if (fileAddress === undefined || auth.method !== 'token') return;
  const address = escapeControlCharacters(fileAddress);
  throw new UsageError(
    `${options.file} sets vault-addr, but your own token (from ${auth.source}) only goes to an address you set: export VAULT_ADDR=${address} (vault login needs it too), or pass --vault-addr`,
  );
}
