// Dynamic database credentials end to end: Vault's database engine minting real PostgreSQL users for
// a child that really logs in with them. Each test checks pg_roles afterwards: no user may outlive
// the vault-exec that read it.
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, revokeTokensOfRole } from '../support/app-role';
import { childLogins, connectedUsers, dbClient } from '../support/db-client';
import { usePostgres } from '../support/postgres-server';
import { killAllStarted, runCli, startCli, waitFor, type Running } from '../support/processes';
import {
  databaseUrlTemplate,
  dynamicUsers,
  enableDatabaseEngine,
  leaseCount,
  writeDynamicRole,
} from '../support/vault-database';
import type { PgLogin } from '../support/psql';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const pg = usePostgres();
afterEach(() => killAllStarted());

// `app` outlives every test; `short` lives 3 s per lease, so renewal is needed within the test.
const APP_CREDS = 'database/creds/app';
const SHORT_CREDS = 'database/creds/short';
const SHORT_TTL_S = 3;

beforeAll(async () => {
  await enableDatabaseEngine(vault(), pg());
  await writeDynamicRole(vault(), { name: 'app', defaultTtl: '5m', maxTtl: '10m' });
  await writeDynamicRole(vault(), { name: 'short', defaultTtl: `${SHORT_TTL_S}s`, maxTtl: '30s' });
});

/** vault-exec with DATABASE_URL built from one creds path, and the db-client child. */
async function startApp(options: {
  credsPath?: string;
  tokenTtl?: string;
  flags?: string[];
  childArgs?: string[];
}): Promise<Running & { role: string }> {
  const credsPath = options.credsPath ?? APP_CREDS;
  const app = await provisionApp(vault(), {
    readPaths: [credsPath],
    ...(options.tokenTtl !== undefined ? { tokenTtl: options.tokenTtl } : {}),
  });
  const args = ['--kill-timeout', '2s', ...(options.flags ?? [])];
  const running = startCli([...args, '--', 'node', dbClient, ...(options.childArgs ?? [])], {
    env: cliEnv(vault(), app, {
      DATABASE_URL: databaseUrlTemplate(pg(), credsPath),
      PSQL: pg().bin('psql'),
    }),
  });
  return Object.assign(running, { role: app.role });
}

/** The user and password the child got; the password joins the leak scan before anything can print it. */
async function childCredentials(running: Running): Promise<PgLogin> {
  await running.waitForOutput(/^DATABASE_URL .*$/m);
  const [login] = childLogins(running.stdout());
  if (!login) throw new Error('the child got a malformed DATABASE_URL');
  return login;
}

async function expectNoDynamicUsers(what: string): Promise<void> {
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
    timeoutMs: 10_000,
    message: `a PostgreSQL user outlived ${what}: ${(await dynamicUsers(pg())).join(', ')}`,
  });
  expect(await leaseCount(vault(), APP_CREDS)).toBe(0);
}

test('DATABASE_URL comes from one read (one lease, one PostgreSQL user) and the child connects with it', async () => {
  const running = await startApp({ childArgs: ['--every', '200'] });
  const { user } = await childCredentials(running);
  await running.waitForOutput('READY');
  expect(running.stdout()).toContain(`CONNECTED ${user} 2\n`);
  expect(running.stderr()).toContain('read 1 secret from 1 path');
  expect(await dynamicUsers(pg())).toEqual([user]);
  expect(await leaseCount(vault(), APP_CREDS)).toBe(1);

  running.kill('SIGTERM');
  const exit = await running.exited;
  expect(exit.code).toBe(0);
  expect(exit.stdout).toContain('SIGNAL SIGTERM');
  await expectNoDynamicUsers('vault-exec stopped by SIGTERM');
});

test('a --secrets import of the same path shares the one read with DATABASE_URL', async () => {
  const running = await startApp({ flags: ['--secrets', `DB_=${APP_CREDS}`], childArgs: ['--every', '200'] });
  const { user } = await childCredentials(running);
  await running.waitForOutput('READY');
  expect(running.stderr()).toContain('read 3 secrets from 1 path');
  expect(await dynamicUsers(pg())).toEqual([user]);
  expect(await leaseCount(vault(), APP_CREDS)).toBe(1);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  await expectNoDynamicUsers('vault-exec stopped by SIGTERM');
});

test('drops the PostgreSQL user when the child exits on its own', async () => {
  const running = await startApp({});
  const { user } = await childCredentials(running);
  const exit = await running.exited;
  expect(exit.code, exit.stderr).toBe(0);
  expect(exit.stdout).toContain(`CONNECTED ${user} 2\n`);
  await expectNoDynamicUsers("the child's own exit");
});

test('renews the lease while the child runs, so fresh logins keep working three TTLs later', async () => {
  const running = await startApp({ credsPath: SHORT_CREDS, childArgs: ['--every', '500'] });
  const { user } = await childCredentials(running);
  await running.waitForOutput('READY');
  const validUntil = () =>
    pg().query(`SELECT extract(epoch FROM rolvaliduntil) FROM pg_roles WHERE rolname = '${user}'`);
  const firstValidUntil = Number(await validUntil());
  const renewals = () =>
    running.stderr().match(/renewed the lease of database\/creds\/short for \d+ s/g)?.length ?? 0;

  await waitFor(() => renewals() >= 3, {
    timeoutMs: 20_000,
    message: `fewer than 3 lease renewals:\n${running.stderr()}`,
  });
  // A login after the first VALID UNTIL has passed only succeeds because the renewals moved it.
  // Two TTLs past the first VALID UNTIL is three TTLs past the lease's start.
  await waitFor(() => Date.now() / 1000 > firstValidUntil + 2 * SHORT_TTL_S, { timeoutMs: 20_000 });
  const loginsBefore = connectedUsers(running.stdout()).length;
  await waitFor(() => connectedUsers(running.stdout()).length >= loginsBefore + 2, {
    timeoutMs: 5_000,
    message: `the child stopped logging in:\n${running.stdout()}`,
  });
  expect(running.stdout()).not.toContain('FAILED');
  expect(Number(await validUntil())).toBeGreaterThan(firstValidUntil + 2 * SHORT_TTL_S);
  expect(new Set(connectedUsers(running.stdout()))).toEqual(new Set([user]));

  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  await expectNoDynamicUsers('vault-exec stopped by SIGTERM after renewals');
});

test('stops the child and exits 75 when its token is revoked, and the PostgreSQL user goes with the token', async () => {
  const running = await startApp({ tokenTtl: '3s', childArgs: ['--every', '200'] });
  const { user } = await childCredentials(running);
  await running.waitForOutput('READY');
  expect(await dynamicUsers(pg())).toEqual([user]);

  expect(await revokeTokensOfRole(vault(), running.role)).toBe(1);
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(exit.stdout).toContain('SIGNAL SIGTERM');
  await expectNoDynamicUsers('a renewal failure');
});

test('vault-exec check reads database/creds, prints the name only, and its lease ends with its token', async () => {
  const app = await provisionApp(vault(), { readPaths: [APP_CREDS] });
  const result = await runCli(['check'], {
    env: cliEnv(vault(), app, { DATABASE_URL: databaseUrlTemplate(pg()) }),
  });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe('DATABASE_URL\n');
  await expectNoDynamicUsers('vault-exec check');
});
