// `vault-exec check`: the start-up steps as a CI preflight, with no child.
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
