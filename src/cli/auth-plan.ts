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
  | { method: 'jwt' | 'kubernetes'; mount: string; role: string; jwtFile?: string; jwtAudience: string }
  /** The credentials' source is chosen by the resolve step, which reads the environment's files. */
  | { method: 'aws'; mount: string; role: string; region: string; headerValue?: string }
  | { method: 'cert'; mount: string; role?: string };

/** What --aws-region says for sts.amazonaws.com, which is signed for us-east-1. */
export const GLOBAL_STS_REGION = 'global';
/** The SDKs' variable, read when neither --aws-region nor its twin is given. */
export const AWS_REGION_ENV = 'AWS_REGION';

export function planAuth(values: FlagValues, env: Env): AuthPlan {
  const method = values.auth;
  refuseFlagsOfOtherMethods(values);
  if (method === 'jwt' || method === 'kubernetes') return planRoleLogin(method, values);
  if (method === 'aws') return planAwsLogin(values, env);
  if (method === 'cert') return planCertLogin(values, env);
  // Without --auth these would be ignored, and the login fail later with a misleading hint.
  const roleFlag =
    nonBlank(values.role) !== undefined ? '--role' : nonBlank(values.jwtFile) ? '--jwt-file' : '';
  if (roleFlag !== '')
    throw new UsageError(
      `${roleFlag} is for --auth jwt, kubernetes, aws or cert${method === undefined ? '' : `, not ${method}`}: add --auth (or VAULT_EXEC_AUTH)`,
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
  const mount = parseMountPath(values.authMount ?? method);
  const role = requireRole(method, mount, values);
  return { method, mount, role, jwtFile: nonBlank(values.jwtFile), jwtAudience: values.jwtAudience };
}

function planAwsLogin(values: FlagValues, env: Env): AuthPlan {
  const mount = parseMountPath(values.authMount ?? 'aws');
  const role = requireRole('aws', mount, values);
  const region = nonBlank(values.awsRegion) ?? nonBlank(env[AWS_REGION_ENV]) ?? GLOBAL_STS_REGION;
  // A region is a host label: anything else would address the signed request somewhere unexpected.
  if (!/^[a-z0-9-]+$/.test(region))
    throw new UsageError(
      `--aws-region ${JSON.stringify(region)} is not an AWS region: give one such as eu-west-1, or global for sts.amazonaws.com`,
    );
  return { method: 'aws', mount, role, region, headerValue: nonBlank(values.awsHeaderValue) };
}

/** The credential is the TLS client certificate, so Vault must be reached over TLS with one. */
function planCertLogin(values: FlagValues, env: Env): AuthPlan {
  const mount = parseMountPath(values.authMount ?? 'cert');
  if (
    nonBlank(env[envNameOf('clientCert')]) === undefined ||
    nonBlank(env[envNameOf('clientKey')]) === undefined
  )
    throw new UsageError(
      `--auth cert needs a client certificate: set ${envNameOf('clientCert')} and ${envNameOf('clientKey')} to its PEM files`,
    );
  if (/^http:/i.test(values.vaultAddr))
    throw new UsageError(
      `--auth cert needs TLS to Vault, but VAULT_ADDR is ${values.vaultAddr}: use its https:// address`,
    );
  return { method: 'cert', mount, role: nonBlank(values.role) };
}

function requireRole(method: string, mount: string, values: FlagValues): string {
  const role = nonBlank(values.role);
  if (role === undefined)
    throw new UsageError(
      `--auth ${method} needs --role (or VAULT_EXEC_ROLE): the name of the Vault role at auth/${mount}/role/<name>`,
    );
  return role;
}

/** A flag of one method given with another would be ignored, and the login fail for another reason. */
function refuseFlagsOfOtherMethods(values: FlagValues): void {
  const method = values.auth;
  if (
    nonBlank(values.jwtFile) !== undefined &&
    method !== 'jwt' &&
    method !== 'kubernetes' &&
    method !== undefined
  )
    throw new UsageError(
      `--jwt-file is for --auth jwt or --auth kubernetes, not ${method}: add --auth (or VAULT_EXEC_AUTH)`,
    );
  const awsFlag =
    nonBlank(values.awsRegion) !== undefined
      ? '--aws-region'
      : nonBlank(values.awsHeaderValue) !== undefined
        ? '--aws-header-value'
        : '';
  if (awsFlag !== '' && method !== 'aws')
    throw new UsageError(
      `${awsFlag} is for --auth aws${method === undefined ? '' : `, not ${method}`}: add --auth aws (or VAULT_EXEC_AUTH=aws)`,
    );
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
