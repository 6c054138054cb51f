// A project file comes with the repository, and `vault-exec check` runs none of the repository's code:
// a credential that is not the repository's goes only to an address the user chose, never to one a file
// alone names, so cloning a repository and running vault-exec in it cannot hand it to its author.
import type { AuthConfig } from '../cli/config';
import { UsageError, escapeControlCharacters } from '../util/errors';
import { describeAwsCredentialSource, describeJwtSource } from '../cli/config';

/**
 * Such a credential: the user's own token (VAULT_TOKEN, the token helper, ~/.vault-token) or a job's
 * or pod's JWT (GitHub's OIDC token, VAULT_EXEC_JWT, the service-account token). The address the user
 * chose is --vault-addr or VAULT_ADDR. A signed sts:GetCallerIdentity request is one too: any Vault
 * it reaches can replay it to another for minutes. A client certificate proves itself per connection
 * and cannot be replayed, so cert logins are not refused.
 */
export function refuseFileAddressForOwnToken(options: {
  fileAddress: string | undefined;
  auth: AuthConfig;
  file: string;
}): void {
  const { fileAddress, auth } = options;
  if (fileAddress === undefined || auth.method === 'approle' || auth.method === 'cert') return;
  const address = escapeControlCharacters(fileAddress);
  const credential =
    auth.method === 'token'
      ? `your own token (from ${auth.source})`
      : auth.method === 'aws'
        ? `the AWS identity (from ${describeAwsCredentialSource(auth.credentials)})`
        : `the JWT (from ${describeJwtSource(auth.jwt)})`;
  const why = auth.method === 'token' ? ' (vault login needs it too)' : '';
  throw new UsageError(
    `${options.file} sets vault-addr ${address}, but ${credential} only goes to an address you set: if you trust it, set VAULT_ADDR or --vault-addr yourself${why}`,
  );
}
