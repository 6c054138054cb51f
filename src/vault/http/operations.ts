// Which operation a request to Vault is, for the metrics: a short fixed list, never the path itself
// (a secret's path names the request, and paths are unbounded as a label).
import type { VaultOperation } from '../../util/observer';

const BY_PATH: Record<string, VaultOperation> = {
  'sys/health': 'health',
  'auth/token/lookup-self': 'lookup',
  'sys/wrapping/lookup': 'lookup',
  'auth/token/renew-self': 'renew',
  'sys/leases/renew': 'renew',
  'auth/token/revoke-self': 'revoke',
  'sys/leases/revoke': 'revoke',
  'sys/wrapping/unwrap': 'unwrap',
};

export function operationOf(method: string, path: string): VaultOperation {
  const known = BY_PATH[path];
  if (known !== undefined) return known;
  if (path.startsWith('sys/internal/ui/mounts/')) return 'lookup';
  if (/^auth\/.+\/login(\/|$)/.test(path)) return 'login';
  // A PKI mount's revoke of a superseded serial; a secret read whose path ends in "revoke" is a GET.
  if (method !== 'GET' && path.endsWith('/revoke')) return 'revoke';
  // Secrets, their KV metadata (--watch), database credentials and PKI issues (a credential fetched
  // from a path, like database/creds: the operation list is fixed, so an issue is a read).
  return 'read';
}
