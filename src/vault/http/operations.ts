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

export function operationOf(path: string): VaultOperation {
  const known = BY_PATH[path];
  if (known !== undefined) return known;
  if (path.startsWith('sys/internal/ui/mounts/')) return 'lookup';
  if (/^auth\/.+\/login(\/|$)/.test(path)) return 'login';
  // Secrets, their KV metadata (--watch) and database credentials.
  return 'read';
}
