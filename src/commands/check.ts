import type { AuthConfig, Config } from '../cli/config';
import type { Logger } from '../util/log';
import { isOwnToken, login } from '../vault/auth';
import type { VaultClient } from '../vault/http/client';
import { waitForVault } from '../vault/wait-for-vault';
import { revokeLeases } from '../running/revocation';
import { readSecrets, type Lease } from '../vault/secrets';

/**
 * `vault-exec check`: the start-up steps without a child, for a CI preflight or a deploy gate. It waits
 * for Vault, logs in, reads every path once, and prints the names of the variables the child would get
 * (never their values) on stdout. Any failure ends with the same line and exit code as a real start.
 */
export async function runCheck(
  config: Config,
  client: VaultClient,
  log: Logger,
  writeStdout: (text: string) => void,
  issuedTokens: string[],
): Promise<void> {
  await waitForVault({
    client,
    timeoutMs: config.waitTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    log,
  });
  const session = await login(client, keepSecretIdFile(config.auth, log), log);
  // Revoked by the caller even when a read below fails.
  if (isOwnToken(config.auth)) issuedTokens.push(session.token);
  const minted: Lease[] = [];
  const secrets = await readSecrets({
    client,
    token: session.token,
    mappings: config.secrets,
    imports: config.pathImports,
    templates: config.templates,
    log,
    minted,
  }).finally(async () => {
    // Our own token's leases end with it; a token of the user's is never revoked, so its leases are.
    if (config.auth.method === 'token' && config.revokeToken)
      await revokeLeases(client, session.token, minted, log);
  });
  const names = [...secrets.values.keys()].sort();
  writeStdout(names.map((name) => `${name}\n`).join(''));
  log.info(
    `check passed: logged in and read ${names.length} variable${names.length === 1 ? '' : 's'} from Vault at ${client.address}`,
    { event: 'check' },
  );
}

/**
 * A preflight must leave the start it checks able to run: the secret_id file stays, whatever
 * --remove-secret-id-file says. The login itself cannot be avoided, so say what it costs.
 */
function keepSecretIdFile(auth: AuthConfig, log: Logger): AuthConfig {
  if (auth.method !== 'approle' || auth.secretId === undefined) return auth;
  log.warn(
    `check logs in once with the secret_id: if the role limits its uses (secret_id_num_uses), this spends one${auth.removeSecretIdFile ? '; --remove-secret-id-file is not applied by check, the file is kept for the real start' : ''}`,
  );
  return { ...auth, removeSecretIdFile: false };
}
