// `vault-exec check`: the start-up steps as a CI preflight, with no child.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, leakedSecrets, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { killAllStarted, runCli } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
const password = secretValue('check-password');
beforeAll(async () => {
  await vault().admin.writeKv2('check/db', { username: 'app', password });
  app = await provisionApp(vault(), { readPaths: ['secret/data/check/*'] });
});
afterEach(() => killAllStarted());

test('passes with exit 0 and prints only the names of the variables a start would set', async () => {
  const result = await runCli(
    ['check', '--secrets', 'DB_=secret/check/db', '--secret', 'PW=secret/check/db#password'],
    { env: cliEnv(vault(), app) },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe('DB_PASSWORD\nDB_USERNAME\nPW\n');
  expect(leakedSecrets(result.stdout + result.stderr, [password])).toEqual([]);
  expect(result.stderr).toMatch(/check passed: logged in and read 3 variables from Vault at/);
});

test('fails with the same code and line as a real start, and still revokes its token', async () => {
  const before = (await vault().admin.request('GET', 'auth/token/accessors?list=true')).body.data.keys.length;
  const result = await runCli(['check', '--secret', 'X=secret/check/db#nope'], { env: cliEnv(vault(), app) });
  expect(result.code).toBe(78);
  expect(
    result.stderr
      .split('\n')
      .filter((line) => line.startsWith('vault-exec:'))
      .at(-1),
  ).toBe('vault-exec: key "nope" not found in secret/check/db; keys present: password, username');
  const after = (await vault().admin.request('GET', 'auth/token/accessors?list=true')).body.data.keys.length;
  expect(after).toBe(before);
});

test('keeps the secret_id file even with --remove-secret-id-file, and warns that it spends a login', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-check-'));
  const file = join(dir, 'secret-id');
  writeFileSync(file, app.secretId, { mode: 0o600 });
  try {
    const env = cliEnv(vault(), { ...app, secretId: '' });
    delete env.VAULT_SECRET_ID;
    const result = await runCli(
      [
        'check',
        '--secret-id-file',
        file,
        '--remove-secret-id-file',
        '--secret',
        'PW=secret/check/db#password',
      ],
      { env },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(result.stderr).toContain(
      'check logs in once with the secret_id: if the role limits its uses (secret_id_num_uses), this spends one; --remove-secret-id-file is not applied by check, the file is kept for the real start',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
