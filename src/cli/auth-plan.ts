// Which login the options ask for, and where each credential is to come from. Deciding needs no I/O:
// the files named here are read, and your own token looked up, by the resolve step.
import type { Env } from '../util/env';
import { UsageError } from '../util/errors';
import { envNameOf, type FlagValues } from './options';
import { nonBlank, parseMountPath } from './values';

/** A credential's source: a file to read, or the environment variable that holds it. */
export type CredentialSource =
  | { kind: 'file'; path: string; flag: '--role-id-file' | '--secret-id-file' }
  | { kind: 'env'; name: string; value: string };

export type AuthPlan =
  | {
      method: 'approle';
      roleId: CredentialSource;
      secretId?: CredentialSource;
      secretIdWrapped: boolean;
      mount: string;
      removeSecretIdFile: boolean;
    }
  /** Your own login, looked up where the Vault CLI keeps it (resolve/own-token.ts). */
  | { method: 'token' }
  | { method: 'jwt' | 'kubernetes'; mount: string; role: string; jwtFile?: string; jwtAudience: string };

export function planAuth(values: FlagValues, env: Env): AuthPlan {
  const method = values.auth;
  if (method === 'jwt' || method === 'kubernetes') return planRoleLogin(method, values);
  // Without --auth these would be ignored, and the login fail later with a misleading hint.
  const jwtFlag =
    nonBlank(values.role) !== undefined ? '--role' : nonBlank(values.jwtFile) ? '--jwt-file' : '';
  if (jwtFlag !== '')
    throw new UsageError(
      `${jwtFlag} is for --auth jwt or --auth kubernetes${method === undefined ? '' : `, not ${method}`}: add --auth (or VAULT_EXEC_AUTH)`,
    );
  const roleId =
    method === 'token'
      ? undefined
      : credentialSource(values.roleIdFile, '--role-id-file', envNameOf('roleId'), env);
  const secretId = credentialSource(values.secretIdFile, '--secret-id-file', envNameOf('secretId'), env);
  if (roleId !== undefined)
    return {
      method: 'approle',
      roleId,
      secretId,
      secretIdWrapped: values.secretIdWrapped,
      mount: parseMountPath(values.authMount ?? values.approleMount),
      removeSecretIdFile: values.removeSecretIdFile,
    };
  if (method === 'approle')
    throw new UsageError('--auth approle needs a role_id: set VAULT_ROLE_ID or --role-id-file');
  if (method !== 'token' && secretId !== undefined)
    throw new UsageError('a secret_id was given without a role_id: set VAULT_ROLE_ID or --role-id-file');
  return { method: 'token' };
}

/** jwt and kubernetes: the role is required; the JWT's source is chosen by the resolve step. */
function planRoleLogin(method: 'jwt' | 'kubernetes', values: FlagValues): AuthPlan {
  const role = nonBlank(values.role);
  const mount = parseMountPath(values.authMount ?? method);
  if (role === undefined)
    throw new UsageError(
      `--auth ${method} needs --role (or VAULT_EXEC_ROLE): the name of the Vault role at auth/${mount}/role/<name>`,
    );
  return { method, mount, role, jwtFile: nonBlank(values.jwtFile), jwtAudience: values.jwtAudience };
}

function credentialSource(
  file: string | undefined,
  flag: '--role-id-file' | '--secret-id-file',
  name: string,
  env: Env,
): CredentialSource | undefined {
  // An empty flag value names no file, as before: the variable is the fallback.
  if (file) return { kind: 'file', path: file, flag };
  const value = nonBlank(env[name]);
  return value === undefined ? undefined : { kind: 'env', name, value };
}
