import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createLogger, createRedactor } from '../../../src/util/log';
import { describeJwtSource } from '../../../src/cli/config';
import { readJwt } from '../../../src/vault/auth/read-jwt';

const quietLog = (redactor = createRedactor()) =>
  createLogger({ level: 'error', format: 'text', write: () => {}, redactor });

test('a JWT file is read again at every login, so a rotated token is picked up', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'vault-exec-read-jwt-')), 'token');
  const source = { kind: 'file' as const, path, origin: '--jwt-file' };
  writeFileSync(path, 'first.jwt.value\n');
  expect(await readJwt(source, quietLog())).toEqual({ ok: true, jwt: 'first.jwt.value' });
  writeFileSync(path, 'second.jwt.value');
  expect(await readJwt(source, quietLog())).toEqual({ ok: true, jwt: 'second.jwt.value' });
});

test('every JWT read is registered with the redactor', async () => {
  const redactor = createRedactor();
  await readJwt({ kind: 'env', name: 'VAULT_EXEC_JWT', value: 'header.payload.sig' }, quietLog(redactor));
  expect(redactor.mask('got header.payload.sig')).toBe('got [redacted]');
});

test.each([
  ['missing', undefined, 'cannot read --jwt-file PATH: no such file'],
  ['empty', '  \n', '--jwt-file PATH is empty'],
])('a %s file is a failure to retry, and a usage error at start-up', async (_, content, message) => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-read-jwt-'));
  const path = join(dir, 'token');
  if (content !== undefined) writeFileSync(path, content);
  const result = await readJwt({ kind: 'file', path, origin: '--jwt-file' }, quietLog());
  expect(result).toEqual({ ok: false, rejected: false, usage: true, message: message.replace('PATH', path) });
  rmSync(dir, { recursive: true, force: true });
});

test('sources are described by where the JWT comes from, never by the JWT', () => {
  expect(describeJwtSource({ kind: 'env', name: 'VAULT_EXEC_JWT', value: 'a.b.c' })).toBe('VAULT_EXEC_JWT');
  expect(
    describeJwtSource({
      kind: 'github',
      requestUrl: 'https://x',
      requestToken: 't0ken',
      audience: 'sigstore',
    }),
  ).toBe('GitHub Actions OIDC (audience "sigstore")');
  expect(describeJwtSource({ kind: 'file', path: '/sa/token', origin: 'the service-account token' })).toBe(
    'the service-account token /sa/token',
  );
});
