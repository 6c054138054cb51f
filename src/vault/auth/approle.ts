// Vault's AppRole auth method: the login with role_id and secret_id, what a rejection means, and the
// removal of a used secret_id file.
import { rmSync } from 'node:fs';
import type { AuthConfig } from '../../cli/config';
import type { Logger } from '../../util/log';
import { vaultMessage, type VaultClient, type VaultResponse } from '../http/client';
import { postLogin, type LoginResult } from './session';

type AppRoleAuth = Extract<AuthConfig, { method: 'approle' }>;

/** Logs in with role_id and secret_id (a role with bind_secret_id=false needs no secret_id). */
export function loginWithAppRole(client: VaultClient, auth: AppRoleAuth, log: Logger): Promise<LoginResult> {
  return postLogin(client, {
    label: 'AppRole login',
    mount: auth.mount,
    body:
      auth.secretId === undefined
        ? { role_id: auth.roleId }
        : { role_id: auth.roleId, secret_id: auth.secretId },
    log,
    describeRejection: (response) =>
      describeRejectedLogin(response, client.address, auth.mount, auth.secretId),
  });
}

/** Response-wrapping and service tokens; a secret_id never looks like one. */
const TOKEN_PREFIX = /^(hv[sbr]|s)\./;

function describeRejectedLogin(
  response: VaultResponse,
  address: string,
  mount: string,
  secretId: string | undefined,
): string {
  const reason = vaultMessage(response);
  if (response.status === 400 && secretId !== undefined && TOKEN_PREFIX.test(secretId)) {
    return `AppRole login rejected by ${address} (auth/${mount}): ${reason}; the secret_id looks like a response-wrapping token: add --secret-id-wrapped to unwrap it`;
  }
  if (response.status === 400) {
    return `AppRole login rejected by ${address} (auth/${mount}): ${reason}; the secret_id may be wrong, expired or already used up, or the role_id unknown: issue a new secret_id for the role`;
  }
  if (response.status === 403) {
    return `AppRole login denied by ${address} (auth/${mount}): ${reason}; check that AppRole is enabled at auth/${mount} (--auth-mount) and that the role is not locked out after failed logins`;
  }
  return `AppRole login at ${address} (auth/${mount}) failed: ${reason} (HTTP ${response.status})`;
}

/** After the first successful login only: a rejected secret_id stays, so a restart can try again. */
export function removeSecretIdFile(path: string, log: Logger): void {
  try {
    rmSync(path, { force: true });
    log.debug(`removed the secret_id file ${path}`);
  } catch (error) {
    log.warn(
      `could not remove the secret_id file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`,
    );
  }
}
