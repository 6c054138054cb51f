// The login the options planned, with its credentials read: the role_id and secret_id files, your
// own token (resolve/own-token.ts), the JWT's source and a first read of a JWT file, and the source
// of an aws login's credentials (resolve/aws-credentials.ts).
import type { AuthPlan, CredentialSource } from '../cli/auth-plan';
import { DEFAULT_KUBERNETES_TOKEN_PATH, type AuthConfig } from '../cli/config';
import type { Env } from '../util/env';
import { UsageError } from '../util/errors';
import { readTokenFile } from '../util/token-file';
import type { ResolveIo } from './io';
import { resolveAwsLogin } from './aws-credentials';
import { chooseJwtSource } from './jwt-source';
import { findOwnToken } from './own-token';

export function resolveAuth(plan: AuthPlan, env: Env, io: ResolveIo): AuthConfig {
  switch (plan.method) {
    case 'approle':
      return {
        method: 'approle',
        roleId: readCredential(plan.roleId, io),
        secretId: plan.secretId === undefined ? undefined : readCredential(plan.secretId, io),
        secretIdWrapped: plan.secretIdWrapped,
        mount: plan.mount,
        secretIdFile: plan.secretId?.kind === 'file' ? plan.secretId.path : undefined,
        removeSecretIdFile: plan.removeSecretIdFile,
      };
    case 'token': {
      const own = findOwnToken(env, io);
      if (own !== undefined) return { method: 'token', ...own };
      throw new UsageError(
        'no Vault credentials: set VAULT_ROLE_ID and VAULT_SECRET_ID (or --role-id-file and --secret-id-file) for AppRole, or for development log in with `vault login` (or set VAULT_TOKEN)',
      );
    }
    case 'jwt':
    case 'kubernetes':
      return resolveRoleLogin(plan, env, io);
    case 'aws':
      return resolveAwsLogin(plan, env, io);
    case 'cert':
      return plan.role === undefined
        ? { method: 'cert', mount: plan.mount }
        : { method: 'cert', mount: plan.mount, role: plan.role };
  }
}

/** The JWT's source is chosen now and read at each login; a file is read once now so a wrong path fails before waiting for Vault. */
function resolveRoleLogin(
  plan: Extract<AuthPlan, { method: 'jwt' | 'kubernetes' }>,
  env: Env,
  io: ResolveIo,
): AuthConfig {
  const jwt = chooseJwtSource(
    plan.method,
    {
      jwtFile: plan.jwtFile,
      jwtAudience: plan.jwtAudience,
      kubernetesTokenPath: DEFAULT_KUBERNETES_TOKEN_PATH,
    },
    env,
  );
  if (jwt.kind === 'file') {
    try {
      readCredentialFile(jwt.path, jwt.origin, io);
    } catch (error) {
      if (plan.jwtFile !== undefined) throw error;
      throw new UsageError(
        `${(error as Error).message} (is this a Kubernetes pod with a service account token mounted? otherwise give --jwt-file)`,
      );
    }
  }
  return { method: plan.method, mount: plan.mount, role: plan.role, jwt };
}

function readCredential(source: CredentialSource, io: ResolveIo): string {
  return source.kind === 'env' ? source.value : readCredentialFile(source.path, source.flag, io);
}

function readCredentialFile(path: string, flag: string, io: ResolveIo): string {
  const read = readTokenFile(path, flag, io.readFile);
  if (!read.ok)
    throw new UsageError(read.message, read.cause === undefined ? undefined : { cause: read.cause });
  return read.token;
}
