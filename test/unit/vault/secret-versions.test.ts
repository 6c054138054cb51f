import { describe, expect, test } from 'vitest';
import { fingerprintOf, versionOf } from '../../../src/vault/secret-versions';
import type { SecretLocation } from '../../../src/vault/secret-location';

const at = (overrides: Partial<SecretLocation>): SecretLocation => ({
  typed: 'x',
  apiPath: 'x',
  kvVersion: undefined,
  engine: undefined,
  mountPath: '',
  relative: 'x',
  ...overrides,
});

describe('versionOf', () => {
  test('a KV v2 secret is compared by its version, read from the metadata path', () => {
    const location = at({ apiPath: 'secret/data/app/db', kvVersion: 2, engine: 'kv', mountPath: 'secret/' });
    expect(versionOf(location, { data: { data: { a: 1 }, metadata: { version: 7 } } })).toEqual({
      apiPath: 'secret/data/app/db',
      kind: 'kv2',
      fingerprint: 'v7',
      metadataPath: 'secret/metadata/app/db',
    });
  });

  test('a static role is compared by its last rotation, whatever its ttl says', () => {
    const location = at({ engine: 'database', mountPath: 'database/', relative: 'static-creds/app' });
    const answer = (ttl: number) => ({
      data: { username: 'app', password: 'p', ttl, last_vault_rotation: '2026-12-01T20:00:00Z' },
    });
    expect(versionOf(location, answer(3600))?.fingerprint).toBe(
      versionOf(location, answer(3599))?.fingerprint,
    );
    expect(versionOf(location, answer(10))?.kind).toBe('static-role');
  });

  test('a static role without a rotation time is compared by its password', () => {
    expect(fingerprintOf('static-role', { data: { password: 'a', ttl: 1 } })).toBe(
      fingerprintOf('static-role', { data: { password: 'a', ttl: 2 } }),
    );
    expect(fingerprintOf('static-role', { data: { password: 'a' } })).not.toBe(
      fingerprintOf('static-role', { data: { password: 'b' } }),
    );
  });

  test.each([
    ['database', 'roles/app'],
    ['database', 'creds/app'],
    ['transit', 'keys/app'],
    ['identity', 'oidc/token/app'],
  ])('a read of %s/%s cannot be compared, so it is not watched', (engine, relative) => {
    expect(versionOf(at({ engine, mountPath: `${engine}/`, relative }), { data: {} })).toBeUndefined();
  });

  test('KV v1, and any path on a server without the mount lookup, is compared by its data', () => {
    expect(versionOf(at({ kvVersion: 1, engine: 'kv' }), { data: { a: 1 } })?.kind).toBe('kv1');
    expect(versionOf(at({}), { data: { a: 1 } })?.kind).toBe('kv1');
    expect(fingerprintOf('kv1', { data: { a: 1 } })).not.toBe(fingerprintOf('kv1', { data: { a: 2 } }));
  });
});
