// The seeds' centrepiece, DATABASE_URL from Vault's database engine, with a real PostgreSQL: the Flask
// example under vault-exec logs in as the user Vault created for it, and that user is dropped when
// vault-exec exits. The AppRole is provisioned by the test harness, as an operator would for the app.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { provisionApp } from '../support/app-role';
import { usePostgres } from '../support/postgres-server';
import { waitFor } from '../support/processes';
import {
  databaseUrlTemplate,
  dynamicUsers,
  enableDatabaseEngine,
  writeDynamicRole,
} from '../support/vault-database';
import { useVaultServer } from '../support/vault-server';
import { freePort, pythonEnv, startProgram, stopAllPrograms, waitForHealthy } from './helpers';

const vault = useVaultServer();
const pg = usePostgres();
let venv: string;

beforeAll(async () => {
  venv = pythonEnv();
  await enableDatabaseEngine(vault(), pg());
  await writeDynamicRole(vault(), { name: 'app', defaultTtl: '5m', maxTtl: '10m' });
});
afterAll(() => stopAllPrograms());

test('the Flask example logs in to PostgreSQL as the dynamic user vault-exec read for it, dropped after SIGTERM', async () => {
  const app = await provisionApp(vault(), { readPaths: ['database/creds/app'] });
  const port = await freePort();
  const flask = startProgram(
    process.execPath,
    ['bin/vault-exec', '--', join(venv, 'bin/python'), 'examples/flask/app.py'],
    {
      PATH: `${join(venv, 'bin')}:/usr/bin:/bin`,
      VAULT_ADDR: vault().addr,
      VAULT_ROLE_ID: app.roleId,
      VAULT_SECRET_ID: app.secretId,
      PORT: String(port),
      DATABASE_URL: databaseUrlTemplate(pg()),
    },
  );
  await waitForHealthy(`http://127.0.0.1:${port}/db`, flask);
  const body = (await (await fetch(`http://127.0.0.1:${port}/db`)).json()) as { user: string };
  expect(body).toEqual({ status: 'ok', user: expect.stringMatching(/^v-/) });
  expect(await dynamicUsers(pg())).toEqual([body.user]);

  flask.kill('SIGTERM');
  expect(await flask.exited).toEqual({ code: 0, signal: null });
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
    timeoutMs: 10_000,
    message: 'the dynamic user outlived vault-exec',
  });
});
