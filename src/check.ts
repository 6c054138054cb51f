import type { Config } from './config';
import type { Logger } from './log';
import { isOwnToken, login } from './vault/auth';
import type { VaultClient } from './vault/client';
import { waitForVault } from './vault/health';
import { readSecrets } from './vault/secrets';

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
  const session = await login(client, config.auth, log);
  // Revoked by the caller even when a read below fails.
  if (isOwnToken(config.auth)) issuedTokens.push(session.token);
  const secrets = await readSecrets({
    client,
    token: session.token,
    mappings: config.secrets,
    imports: config.pathImports,
    templates: config.templates,
    log,
  });
  const names = [...secrets.values.keys()].sort();
  writeStdout(names.map((name) => `${name}\n`).join(''));
  log.info(
    `check passed: logged in and read ${names.length} variable${names.length === 1 ? '' : 's'} from Vault at ${client.address}`,
    { event: 'check' },
  );
}
