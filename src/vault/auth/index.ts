// The login, whatever the method: one attempt with the configured method, and the first login of a run,
// whose failure ends vault-exec.
import type { AuthConfig, AwsCredentialSource } from '../../cli/config';
import { AuthError, UsageError, VaultUnavailableError } from '../../util/errors';
import type { Logger } from '../../util/log';
import type { VaultClient } from '../http/client';
import { loginWithAppRole, removeSecretIdFile } from './approle';
import { AwsCredentialKeeper } from '../../aws/credentials';
import { loginWithAws } from './aws';
import { loginWithCert } from './cert';
import { loginWithJwt } from './jwt';
import { loginWithKubernetes } from './kubernetes';
import { describeAwsCredentialSource, describeJwtSource } from '../../cli/config';
import type { LoginResult, Session } from './session';
import { lookUpToken } from './token';

export type { LoginResult, Session } from './session';

/** One login attempt with the configured method; see createLogin. */
export type AttemptLogin = (client: VaultClient, log: Logger) => Promise<LoginResult>;

/**
 * Logins with `auth`, built complete once: each gets fresh input (a JWT is read or requested again),
 * and AWS's temporary credentials are kept between them until near their expiry, so a re-login
 * retried in a loop does not ask the credential source each time.
 */
export function createLogin(auth: AuthConfig): AttemptLogin {
  if (auth.method === 'aws') {
    const keeper = new AwsCredentialKeeper(auth.credentials);
    return (client, log) => loginWithAws(client, auth, keeper, log);
  }
  return (client, log) => attemptLogin(client, auth, log);
}

/** A single attempt, for the first login and every re-login without kept state. */
export function attemptLogin(client: VaultClient, auth: AuthConfig, log: Logger): Promise<LoginResult> {
  switch (auth.method) {
    case 'token':
      return lookUpToken(client, auth);
    case 'approle':
      return loginWithAppRole(client, auth, log);
    case 'jwt':
      return loginWithJwt(client, auth, log);
    case 'kubernetes':
      return loginWithKubernetes(client, auth, log);
    case 'aws':
      return loginWithAws(client, auth, new AwsCredentialKeeper(auth.credentials), log);
    case 'cert':
      return loginWithCert(client, auth, log);
  }
}

/** Whether vault-exec logs in, so the token is its to revoke at exit (the user's own token is not). */
export function logsIn(auth: AuthConfig): boolean {
  return auth.method !== 'token';
}

/**
 * Registers the credentials known at start-up; JWTs and temporary AWS credentials are registered as
 * they are read or fetched.
 */
export function redactCredentials(auth: AuthConfig, log: Logger): void {
  switch (auth.method) {
    case 'approle':
      log.redact(auth.roleId);
      if (auth.secretId !== undefined) log.redact(auth.secretId);
      return;
    case 'token':
      return log.redact(auth.token);
    case 'aws':
      return redactAwsSource(auth.credentials, log);
    case 'cert':
      // The private key stays inside the TLS layer; nothing of it reaches a message.
      return;
    case 'jwt':
    case 'kubernetes':
      if (auth.jwt.kind === 'env') log.redact(auth.jwt.value);
      else if (auth.jwt.kind === 'github') log.redact(auth.jwt.requestToken);
  }
}

function redactAwsSource(source: AwsCredentialSource, log: Logger): void {
  if (source.kind === 'env') {
    log.redact(source.secretAccessKey);
    if (source.sessionToken !== undefined) log.redact(source.sessionToken);
  } else if (source.kind === 'container' && source.authorization?.kind === 'value')
    log.redact(source.authorization.value);
}

/**
 * The first login of a run: failures end vault-exec with 77 (rejected), 69 (Vault unreachable) or
 * 64 (a JWT file that cannot be read, no AWS credentials found).
 */
export async function login(client: VaultClient, auth: AuthConfig, log: Logger): Promise<Session> {
  const result = await attemptLogin(client, auth, log);
  if (!result.ok) {
    if (result.usage) throw new UsageError(result.message);
    throw result.rejected ? new AuthError(result.message) : new VaultUnavailableError(result.message);
  }
  log.redact(result.session.token);
  const lifetime =
    result.session.ttlSeconds === 0
      ? 'no expiry'
      : `TTL ${result.session.ttlSeconds} s${result.session.renewable ? ', renewable' : ', not renewable'}`;
  log.info(`logged in to ${client.address} with ${describeLogin(auth)} (${lifetime})`, { event: 'login' });
  if (auth.method === 'approle' && auth.removeSecretIdFile && auth.secretIdFile)
    removeSecretIdFile(auth.secretIdFile, log);
  return result.session;
}

function describeLogin(auth: AuthConfig): string {
  switch (auth.method) {
    case 'approle':
      return `AppRole (auth/${auth.mount})`;
    case 'token':
      return `a token from ${auth.source}`;
    case 'jwt':
    case 'kubernetes':
      return `${auth.method === 'jwt' ? 'JWT' : 'Kubernetes'} role "${auth.role}" (auth/${auth.mount}, JWT from ${describeJwtSource(auth.jwt)})`;
    case 'aws':
      return `AWS IAM role "${auth.role}" (auth/${auth.mount}, credentials from ${describeAwsCredentialSource(auth.credentials)}, signed for ${new URL(auth.sts.url).host})`;
    case 'cert':
      return `the client certificate VAULT_CLIENT_CERT (auth/${auth.mount}${auth.role === undefined ? '' : `, role "${auth.role}"`})`;
  }
}
