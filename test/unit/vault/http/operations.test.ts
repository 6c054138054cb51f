// Each Vault path counted under its operation, never by its own name.
import { expect, test } from 'vitest';
import { operationOf } from '../../../../src/vault/http/operations';

test.each([
  ['GET', 'sys/health', 'health'],
  ['POST', 'auth/approle/login', 'login'],
  ['POST', 'auth/ci/jwt/login', 'login'],
  ['POST', 'auth/kubernetes/login', 'login'],
  ['GET', 'auth/token/lookup-self', 'lookup'],
  ['POST', 'sys/wrapping/lookup', 'lookup'],
  ['GET', 'sys/internal/ui/mounts/secret/app', 'lookup'],
  ['POST', 'auth/token/renew-self', 'renew'],
  ['PUT', 'sys/leases/renew', 'renew'],
  ['POST', 'auth/token/revoke-self', 'revoke'],
  ['PUT', 'sys/leases/revoke', 'revoke'],
  ['POST', 'sys/wrapping/unwrap', 'unwrap'],
  ['GET', 'secret/data/app/db', 'read'],
  ['GET', 'secret/metadata/app/db', 'read'],
  ['GET', 'database/creds/app', 'read'],
  // A secret whose path merely contains "login" is a read.
  ['GET', 'secret/data/auth/login', 'read'],
  // PKI: a superseded serial's revocation is a revoke; an issue is counted as a read (a credential
  // fetched from a path, like database/creds), since the operation list is fixed.
  ['PUT', 'pki/revoke', 'revoke'],
  ['PUT', 'pki/int/revoke', 'revoke'],
  ['POST', 'pki/issue/web', 'read'],
  // A secret whose path ends in "revoke" is still read with GET.
  ['GET', 'secret/data/app/revoke', 'read'],
] as const)('%s %s is counted as %s', (method, path, operation) => {
  expect(operationOf(method, path)).toBe(operation);
});
