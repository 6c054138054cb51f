// Vault's JWT/OIDC auth method: a role and a JWT (GitHub/GitLab CI tokens, or any signed JWT). The
// Kubernetes method takes the same login.
import type { AuthConfig } from '../../cli/config';
import type { Logger } from '../../util/log';
import type { VaultClient } from '../http/client';
import { describeJwtSource } from '../../cli/config';
import { readJwt } from './read-jwt';
import { hintForRejectedLogin } from './rejection-hints';
import { describeRefusedLogin, postLogin, type LoginResult } from './session';

type RoleJwtAuth = Extract<AuthConfig, { method: 'jwt' | 'kubernetes' }>;

export function loginWithJwt(
  client: VaultClient,
  auth: Extract<AuthConfig, { method: 'jwt' }>,
  log: Logger,
): Promise<LoginResult> {
  return loginWithRoleAndJwt(client, auth, 'JWT login', log);
}

/**
 * The jwt and kubernetes auth methods take the same body, {role, jwt}; they differ in how Vault
 * checks the JWT, so only the hints in a rejection differ.
 */
export async function loginWithRoleAndJwt(
  client: VaultClient,
  auth: RoleJwtAuth,
  label: string,
  log: Logger,
): Promise<LoginResult> {
  const jwt = await readJwt(auth.jwt, log);
  if (!jwt.ok) return jwt;
  const context = {
    method: auth.method,
    mount: auth.mount,
    role: auth.role,
    jwtFrom: describeJwtSource(auth.jwt),
    githubAudience: auth.jwt.kind === 'github' ? auth.jwt.audience : undefined,
  };
  return postLogin(client, {
    label,
    mount: auth.mount,
    body: { role: auth.role, jwt: jwt.jwt },
    log,
    describeRejection: describeRefusedLogin(
      client,
      { label, mount: auth.mount, role: auth.role },
      (status, reason) => hintForRejectedLogin(status, reason, context),
    ),
  });
}
