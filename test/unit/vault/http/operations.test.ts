// Each Vault path counted under its operation, never by its own name.
import { expect, test } from 'vitest';
import { operationOf } from '../../../../src/vault/http/operations';

test.each([
  ['sys/health', 'health'],
  ['auth/approle/login', 'login'],
  ['auth/ci/jwt/login', 'login'],
  ['auth/kubernetes/login', 'login'],
  ['auth/token/lookup-self', 'lookup'],
  ['sys/wrapping/lookup', 'lookup'],
  ['sys/internal/ui/mounts/secret/app', 'lookup'],
  ['auth/token/renew-self', 'renew'],
  ['sys/leases/renew', 'renew'],
  ['auth/token/revoke-self', 'revoke'],
  ['sys/leases/revoke', 'revoke'],
  ['sys/wrapping/unwrap', 'unwrap'],
  ['secret/data/app/db', 'read'],
  ['secret/metadata/app/db', 'read'],
  ['database/creds/app', 'read'],
  // A secret whose path merely contains "login" is a read.
  ['secret/data/auth/login', 'read'],
])('%s is counted as %s', (path, operation) => {
  expect(operationOf(path)).toBe(operation);
});
