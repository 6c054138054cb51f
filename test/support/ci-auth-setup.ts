// Vault-side setup for the CI login tests: a KV secret, a read policy, and the jwt auth method
// trusting a key pair the test made (jwt_validation_pubkeys), as an operator would configure it for
// GitHub or GitLab (there with oidc_discovery_url instead of a fixed key).
import { randomBytes } from 'node:crypto';
import { secretValue } from './app-role';
import type { JwtIssuer } from './jwt-issuer';
import { appPolicy } from './vault-admin';
import type { VaultServer } from './vault-server';

export const TEST_ISSUER = 'https://ci.vault-exec.test';

export interface CiSecret {
  /** CLI-style path of the secret, with one key: password. */
  path: string;
  password: string;
  /** A policy that may read it (and renew, look up and revoke its own token). */
  policy: string;
}

export async function provisionCiSecret(vault: VaultServer): Promise<CiSecret> {
  const name = `ci-${randomBytes(3).toString('hex')}`;
  const password = secretValue('ci-password');
  await vault.admin.writeKv2(`${name}/db`, { password });
  await vault.admin.writePolicy(name, appPolicy([`secret/data/${name}/db`]));
  return { password, policy: name, path: `secret/${name}/db` };
}

export async function enableJwtAuth(vault: VaultServer, issuer: JwtIssuer, mount = 'jwt'): Promise<void> {
  await must(vault, 'POST', `sys/auth/${mount}`, { type: 'jwt' });
  await must(vault, 'POST', `auth/${mount}/config`, {
    jwt_validation_pubkeys: [issuer.publicKeyPem],
    bound_issuer: TEST_ISSUER,
  });
}

export async function writeRole(
  vault: VaultServer,
  path: string,
  role: Record<string, unknown>,
): Promise<void> {
  await must(vault, 'POST', path, role);
}

async function must(vault: VaultServer, method: string, path: string, body: unknown): Promise<void> {
  const response = await vault.admin.request(method, path, body);
  if (response.status >= 300)
    throw new Error(
      `Vault ${method} ${path} failed with ${response.status}: ${JSON.stringify(response.body)}`,
    );
}
