// --auth and its flags, through parse and resolve in-process (the resolve step reads an in-memory tree).
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/util/errors';
import { configFromArgv } from '../../support/config-from-argv';
import { memoryIo, type MemoryTree } from '../resolve/memory-io';

const base = { HOME: '/nonexistent' };
const authOf = (argv: string[], env: Record<string, string> = {}, tree: MemoryTree = {}) => {
  const result = configFromArgv([...argv, '--', 'true'], { ...base, ...env }, memoryIo(tree));
  if (result.kind !== 'run') throw new Error('expected a run');
  return result.config.auth;
};

describe('--auth', () => {
  test('defaults to AppRole with a role_id and to a token without one, as before', () => {
    expect(authOf([], { VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's' }).method).toBe('approle');
    expect(authOf([], { VAULT_TOKEN: 't' }).method).toBe('token');
  });

  test('token ignores AppRole credentials in the environment', () => {
    expect(
      authOf(['--auth', 'token'], { VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's', VAULT_TOKEN: 't' }),
    ).toEqual({ method: 'token', token: 't', source: 'VAULT_TOKEN' });
  });

  test('approle without a role_id is a usage error', () => {
    expect(() => authOf(['--auth', 'approle'], { VAULT_TOKEN: 't' })).toThrow(
      '--auth approle needs a role_id: set VAULT_ROLE_ID or --role-id-file',
    );
  });

  test('VAULT_EXEC_AUTH is its twin, and an unknown method is a usage error naming the choices', () => {
    expect(authOf(['--role', 'ci'], { VAULT_EXEC_AUTH: 'jwt', VAULT_EXEC_JWT: 'a.b.c' }).method).toBe('jwt');
    expect(() => authOf(['--auth', 'ldap'])).toThrow(/approle, token, jwt, kubernetes/);
    expect(() => authOf([], { VAULT_EXEC_AUTH: 'ldap' })).toThrow(/VAULT_EXEC_AUTH: use one of approle/);
  });

  test('--role or --jwt-file without --auth jwt or kubernetes is a usage error, not ignored', () => {
    expect(() => authOf(['--role', 'ci'], { VAULT_TOKEN: 't' })).toThrow(
      '--role is for --auth jwt, kubernetes, aws or cert: add --auth (or VAULT_EXEC_AUTH)',
    );
    expect(() => authOf(['--auth', 'approle', '--jwt-file', '/ci/jwt'], { VAULT_ROLE_ID: 'r' })).toThrow(
      '--jwt-file is for --auth jwt or --auth kubernetes, not approle: add --auth (or VAULT_EXEC_AUTH)',
    );
  });

  test.each(['jwt', 'kubernetes'])('%s without --role is a usage error', (method) => {
    expect(() => authOf(['--auth', method], { VAULT_EXEC_JWT: 'a.b.c' })).toThrow(
      new RegExp(`--auth ${method} needs --role \\(or VAULT_EXEC_ROLE\\)`),
    );
  });
});

describe('--auth-mount', () => {
  test("defaults to the method's name", () => {
    expect(authOf(['--auth', 'jwt', '--role', 'ci'], { VAULT_EXEC_JWT: 'a.b.c' })).toMatchObject({
      mount: 'jwt',
      role: 'ci',
    });
  });

  test('names the mount of any method, and --approle-mount stays an alias for AppRole', () => {
    const approle = { VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's' };
    expect(authOf(['--auth-mount', '/ci-approle/'], approle)).toMatchObject({ mount: 'ci-approle' });
    expect(authOf(['--approle-mount', 'old'], approle)).toMatchObject({ mount: 'old' });
    expect(authOf([], { ...approle, VAULT_EXEC_APPROLE_MOUNT: 'twin' })).toMatchObject({ mount: 'twin' });
    expect(
      authOf(['--auth', 'jwt', '--role', 'ci', '--auth-mount', 'gitlab'], { VAULT_EXEC_JWT: 'a.b.c' }),
    ).toMatchObject({ mount: 'gitlab' });
  });

  test.each(['../../../collect/here', 'approle/../sys', 'a//b', 'a b', 'a?b'])(
    'a mount path %j that would change the request is a usage error',
    (mount) => {
      expect(() => authOf(['--auth-mount', mount], { VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's' })).toThrow(
        /invalid mount path/,
      );
    },
  );

  test('an empty mount path is a usage error', () => {
    expect(() =>
      authOf(['--auth', 'jwt', '--role', 'ci', '--auth-mount', '/'], { VAULT_EXEC_JWT: 'x' }),
    ).toThrow(/invalid mount path "\/"/);
  });
});

describe('JWT files', () => {
  test('an unreadable --jwt-file is a usage error (64) at start-up, before waiting for Vault', () => {
    expect(() => authOf(['--auth', 'jwt', '--role', 'ci', '--jwt-file', '/nonexistent/jwt'])).toThrow(
      new UsageError('cannot read --jwt-file /nonexistent/jwt: no such file'),
    );
  });

  test('outside a pod, the missing service-account token says to give --jwt-file', () => {
    expect(() => authOf(['--auth', 'kubernetes', '--role', 'app'])).toThrow(
      /cannot read the service-account token \/var\/run\/secrets\/kubernetes.io\/serviceaccount\/token: no such file \(is this a Kubernetes pod.*give --jwt-file\)/,
    );
  });

  test('the file is checked but its content is not kept: each login reads it again', () => {
    const tree = { files: { '/ci/jwt': 'header.payload.signature\n' } };
    expect(authOf(['--auth', 'jwt', '--role', 'ci', '--jwt-file', '/ci/jwt'], {}, tree)).toEqual({
      method: 'jwt',
      mount: 'jwt',
      role: 'ci',
      jwt: { kind: 'file', path: '/ci/jwt', origin: '--jwt-file' },
    });
  });
});
