// Vault's Kubernetes auth method: the pod's service-account token, which Vault hands to the cluster's
// TokenReview API. A projected token is rotated by the kubelet (about hourly), so it is read at every
// login, never kept.
import type { AuthConfig } from '../../cli/config';
import type { Logger } from '../../util/log';
import type { VaultClient } from '../http/client';
import { loginWithRoleAndJwt } from './jwt';
import type { LoginResult } from './session';

export function loginWithKubernetes(
  client: VaultClient,
  auth: Extract<AuthConfig, { method: 'kubernetes' }>,
  log: Logger,
): Promise<LoginResult> {
  return loginWithRoleAndJwt(client, auth, 'Kubernetes login', log);
}
