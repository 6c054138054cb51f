import { keyToEnvName } from '../../../src/vault/secrets';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/util/errors';
import {
  findEnvTemplates,
  parsePathImport,
  parseRef,
  parseSecretMapping,
} from '../../../src/cli/secret-references';

describe('parseSecretMapping', () => {
  test.each([
    ['DB_PASSWORD=secret/app/db#password', 'DB_PASSWORD', 'secret/app/db', 'password'],
    ['DB=secret/data/app/db#password', 'DB', 'secret/data/app/db', 'password'],
    ['_X1=/kv/app/#user', '_X1', 'kv/app', 'user'],
    ['K=database/creds/app#username', 'K', 'database/creds/app', 'username'],
    ['K=secret/app#key#with#hashes', 'K', 'secret/app', 'key#with#hashes'],
  ])('parses %s', (text, name, path, key) => {
    expect(parseSecretMapping(text)).toEqual({ name, ref: { path, key } });
  });

  test.each([
    'secret/app#key',
    '=secret/app#key',
    '1ABC=secret/app#key',
    'A-B=secret/app#key',
    'A=secret/app',
    'A=secret/app#',
    'A=#key',
    'A=secret//app#key',
    'A=secret/../app#key',
    'A=secret/a b#key',
    'A=secret/a?x=1#key',
  ])('rejects %s with a usage error', (text) => {
    expect(() => parseSecretMapping(text)).toThrow(UsageError);
  });
});

describe('parsePathImport', () => {
  test('takes a bare path with no prefix', () => {
    expect(parsePathImport('secret/app/db')).toEqual({ path: 'secret/app/db', prefix: '' });
  });
  test('takes a prefix before "="', () => {
    expect(parsePathImport('DB_=secret/app/db')).toEqual({ path: 'secret/app/db', prefix: 'DB_' });
  });
  test('rejects a path with a key', () => {
    expect(() => parsePathImport('secret/app#key')).toThrow(UsageError);
  });
});

describe('findEnvTemplates', () => {
  test('finds whole-value references and interpolations and ignores plain values', () => {
    const found = findEnvTemplates({
      PLAIN: 'hello',
      WHOLE: 'vault:secret/app/db#password',
      URL: 'postgresql://${vault:database/creds/app#username}:${vault:database/creds/app#password}@db/app',
      EMPTY: undefined,
    });
    expect(found).toEqual({
      templates: [
        { name: 'WHOLE', parts: [{ ref: { path: 'secret/app/db', key: 'password' } }] },
        {
          name: 'URL',
          parts: [
            { literal: 'postgresql://' },
            { ref: { path: 'database/creds/app', key: 'username' } },
            { literal: ':' },
            { ref: { path: 'database/creds/app', key: 'password' } },
            { literal: '@db/app' },
          ],
        },
      ],
      lookalikes: [],
    });
  });

  // Compose files and CI variables hold values such as "vault:1.13.3" (an image tag) that were never
  // meant as references; refusing them stopped every start.
  test.each([
    ['an image tag', 'vault:1.13.3'],
    ['a path without a key', 'vault:secret/app'],
    ['an empty key', 'vault:secret/app#'],
    ['an empty path', 'vault:#key'],
    ['nothing after the prefix', 'vault:'],
    ['a ".." segment', 'vault:secret/../app#key'],
    ['a space in the path', 'vault:secret/a b#key'],
  ])('leaves %s (%j) alone and names the variable', (_, value) => {
    expect(findEnvTemplates({ IMAGE: value, PLAIN: 'x' })).toEqual({ templates: [], lookalikes: ['IMAGE'] });
  });

  test('a half-written "${vault:" inside a value is still an error naming the variable', () => {
    expect(() => findEnvTemplates({ OPEN: 'x${vault:secret/app#k' })).toThrow(
      'unterminated reference in environment variable OPEN: expected ${vault:PATH#KEY}',
    );
    expect(() => findEnvTemplates({ BAD: 'x${vault:secret/app}' })).toThrow(/environment variable BAD/);
  });

  test('a value holding "${vault:" is read as a template even when it starts with "vault:"', () => {
    expect(findEnvTemplates({ APP: 'vault:x${vault:secret/a#b}' })).toEqual({
      templates: [{ name: 'APP', parts: [{ literal: 'vault:x' }, { ref: { path: 'secret/a', key: 'b' } }] }],
      lookalikes: [],
    });
  });
});

describe('keyToEnvName', () => {
  test.each([
    ['', 'password', 'PASSWORD'],
    ['DB_', 'user-name', 'DB_USER_NAME'],
    ['', 'api.key', 'API_KEY'],
    ['', '1st', '_1ST'],
  ])('prefix %j and key %j give %s', (prefix, key, expected) => {
    expect(keyToEnvName(prefix, key)).toBe(expected);
  });
});

test('parseRef keeps everything after the first "#" as the key', () => {
  expect(parseRef('a/b#c#d', 'test')).toEqual({ path: 'a/b', key: 'c#d' });
});

test('a "${vault:" right before a reference is an unterminated reference, not part of its path', () => {
  expect(() => findEnvTemplates({ APP: 'x${vault:${vault:secret/a#b}' })).toThrow(
    'unterminated reference in environment variable APP: expected ${vault:PATH#KEY}',
  );
  expect(findEnvTemplates({ APP: '${${vault:secret/a#b}' }).templates).toEqual([
    { name: 'APP', parts: [{ literal: '${' }, { ref: { path: 'secret/a', key: 'b' } }] },
  ]);
});
