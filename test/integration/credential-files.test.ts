import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, type AppCredentials } from '../support/app-role';
import { fixture, killAllStarted, runCli } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
beforeAll(async () => {
  app = await provisionApp(vault());
});
afterEach(() => killAllStarted());

/** role_id and secret_id as an init container hands them over: files, never the environment. */
function credentialFiles(secretId: string): { roleIdFile: string; secretIdFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-creds-'));
  const roleIdFile = join(dir, 'role-id');
  const secretIdFile = join(dir, 'secret-id');
  writeFileSync(roleIdFile, `${app.roleId}\n`, { mode: 0o600 });
  writeFileSync(secretIdFile, `${secretId}\n`, { mode: 0o600 });
  return { roleIdFile, secretIdFile };
}

test('logs in with role_id and secret_id files and deletes the secret_id file after the login', async () => {
  const { roleIdFile, secretIdFile } = credentialFiles(app.secretId);
  const result = await runCli(
    [
      '--role-id-file',
      roleIdFile,
      '--secret-id-file',
      secretIdFile,
      '--remove-secret-id-file',
      '--',
      'node',
      fixture('exit-with.mjs'),
      '0',
    ],
    {
      env: cliEnv(vault(), undefined),
    },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(existsSync(secretIdFile)).toBe(false);
  expect(existsSync(roleIdFile)).toBe(true);
});

test('keeps the secret_id file when the login is rejected, so a restart can try again', async () => {
  const { roleIdFile, secretIdFile } = credentialFiles('a-wrong-secret-id');
  const result = await runCli(
    ['--role-id-file', roleIdFile, '--secret-id-file', secretIdFile, '--remove-secret-id-file', '--', 'true'],
    {
      env: cliEnv(vault(), undefined),
    },
  );
  expect(result.code).toBe(77);
  expect(existsSync(secretIdFile)).toBe(true);
});
