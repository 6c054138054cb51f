// Sets up what a real deployment has: an AppRole whose read-only policy covers the app's paths,
// and a role_id/secret_id pair handed to vault-exec through its environment.
import { randomBytes } from 'node:crypto';
import { rememberSecret } from './leak-scan';
import { testsStandaloneBinary } from './processes';
import { appPolicy } from './vault-admin';
import type { VaultServer } from './vault-server';

export interface AppCredentials {
  role: string;
  roleId: string;
  secretId: string;
}

let counter = 0;

export async function provisionApp(
  vault: VaultServer,
  options: { readPaths: string[]; tokenTtl?: string; tokenMaxTtl?: string; secretIdNumUses?: number } = {
    readPaths: [],
  },
): Promise<AppCredentials> {
  const role = `app${++counter}-${randomBytes(3).toString('hex')}`;
  await vault.admin.enableAppRole();
  await vault.admin.writePolicy(role, appPolicy(options.readPaths));
  const { roleId } = await vault.admin.createRole(role, {
    policies: [role],
    tokenTtl: options.tokenTtl ?? '10m',
    tokenMaxTtl: options.tokenMaxTtl ?? '1h',
    ...(options.secretIdNumUses !== undefined ? { secretIdNumUses: options.secretIdNumUses } : {}),
  });
  const { secretId } = await vault.admin.createSecretId(role);
  return { role, roleId: rememberSecret(roleId), secretId: rememberSecret(secretId) };
}

/** Revokes every token the role has logged in with, as an operator responding to an incident would. */
export async function revokeTokensOfRole(vault: VaultServer, role: string): Promise<number> {
  const list = await vault.admin.request('GET', 'auth/token/accessors?list=true');
  let revoked = 0;
  for (const accessor of list.body.data.keys as string[]) {
    const lookup = await vault.admin.lookupAccessor(accessor);
    if (lookup.body?.data?.meta?.role_name === role) {
      await vault.admin.revokeAccessor(accessor);
      revoked++;
    }
  }
  return revoked;
}

/** A unique, recognisable value, so a leak check can search for it. */
export function secretValue(label: string): string {
  return rememberSecret(`${label}-${randomBytes(12).toString('hex')}`);
}

/**
 * The environment vault-exec runs with in tests: the machine's PATH and nothing Vault-related from the
 * developer's shell, so a local VAULT_TOKEN can never make a test pass by accident.
 */
export function cliEnv(
  vault: VaultServer,
  credentials: AppCredentials | undefined,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('VAULT_') && !name.startsWith('NODE_') && name !== 'DEBUG') env[name] = value;
  }
  env.HOME = '/nonexistent-vault-exec-home';
  Object.assign(env, NOISY);
  env.VAULT_ADDR = vault.addr;
  if (credentials) {
    env.VAULT_ROLE_ID = credentials.roleId;
    env.VAULT_SECRET_ID = credentials.secretId;
  }
  return { ...env, ...extra };
}

/**
 * The noisiest logging vault-exec and its libraries could produce. Every run in the integration suite
 * uses it, so the leak scan (leak-scan.ts) covers every scenario at debug level.
 */
export const NOISY = {
  VAULT_EXEC_LOG_LEVEL: 'debug',
  DEBUG: '*',
  // Not for the standalone binary: its runtime (Bun) writes no NODE_DEBUG output to scan, only Node's
  // warning that NODE_DEBUG=http "can expose sensitive data", at every start (README, Install).
  ...(testsStandaloneBinary ? {} : { NODE_DEBUG: 'http,https,net,tls' }),
};

/** Asserts that none of `secrets` appears in `text`; returns the offending ones for a clear failure. */
export function leakedSecrets(text: string, secrets: string[]): string[] {
  return secrets.filter((secret) => secret.length > 0 && text.includes(secret));
}

/** Parses the `ENV {...}` line printed by the print-env fixture. */
export function childEnvFrom(stdout: string): Record<string, string> {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('ENV '));
  if (!line) throw new Error(`the child printed no ENV line; stdout was:\n${stdout}`);
  return JSON.parse(line.slice(4)) as Record<string, string>;
}
