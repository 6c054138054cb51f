// Restarts with database credentials, on a real PostgreSQL: new dynamic credentials are read before the
// old child stops, still-valid ones are kept across a KV rotation, a static role restarts the child
// only when it was rotated, and no PostgreSQL user outlives the test.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue } from '../support/app-role';
import { rememberSecret } from '../support/leak-scan';
import { usePostgres } from '../support/postgres-server';
import { fixture, killAllStarted, startCli, waitFor, type Running } from '../support/processes';
import { appPolicy } from '../support/vault-admin';
import {
  DATABASE_MOUNT,
  databaseUrlTemplate,
  dynamicUsers,
  enableDatabaseEngine,
  rotateStaticRole,
  writeDynamicRole,
  writeStaticRole,
} from '../support/vault-database';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const pg = usePostgres();
afterEach(() => killAllStarted());

const SHORT_CREDS = `${DATABASE_MOUNT}/creds/short`;
const LONG_CREDS = `${DATABASE_MOUNT}/creds/long`;
const SLOW_CREDS = `${DATABASE_MOUNT}/creds/slow`;
const STATIC_CREDS = `${DATABASE_MOUNT}/static-creds/static-app`;

beforeAll(async () => {
  await enableDatabaseEngine(vault(), pg());
  // 2 s leases that can be renewed up to 6 s: a few renewals, then a restart for new credentials.
  await writeDynamicRole(vault(), { name: 'short', defaultTtl: '2s', maxTtl: '6s' });
  await writeDynamicRole(vault(), { name: 'long', defaultTtl: '5m', maxTtl: '10m' });
  // Replaced at about 8/9 of its 24 s: a window of 2–3 s to retry a failed preparation in.
  await writeDynamicRole(vault(), { name: 'slow', defaultTtl: '24s', maxTtl: '24s' });
  await writeStaticRole(vault(), pg(), { name: 'static-app', username: 'static_app', rotationPeriod: '1h' });
});

// The figure the issue asks for: no user may outlive the vault-exec that read it.
afterAll(async () => {
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
    timeoutMs: 10_000,
    message: `orphaned PostgreSQL users: ${(await dynamicUsers(pg())).join(', ')}`,
  });
});

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0;

/** The users of every DATABASE_URL the children got, in order; passwords join the leak scan. */
function databaseUsers(running: Running): string[] {
  return [...running.stdout().matchAll(/^DATABASE_URL postgresql:\/\/([^:]+):([^@]+)@/gm)].map((match) => {
    rememberSecret(match[2]!);
    return match[1]!;
  });
}
const passwords = (running: Running) =>
  [...running.stdout().matchAll(/^DATABASE_URL postgresql:\/\/[^:]+:([^@]+)@/gm)].map((match) => match[1]!);

const quietChecksAfterRestart = (running: Running) =>
  count(
    running.stderr().split('restarting the child').at(-1) ?? '',
    /checked the watched secrets: no change/,
  );

function startDbClient(env: NodeJS.ProcessEnv, args: string[], databaseUrl: string): Running {
  return startCli(
    ['--kill-timeout', '2s', ...args, '--', 'node', fixture('db-client.mjs'), '--every', '200'],
    { env: { ...env, DATABASE_URL: databaseUrl, PSQL: pg().bin('psql') } },
  );
}

async function stopAndExpectNoUsers(running: Running): Promise<void> {
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
    timeoutMs: 10_000,
    message: `a PostgreSQL user outlived vault-exec: ${(await dynamicUsers(pg())).join(', ')}`,
  });
}

test('renews the lease, reads new credentials at its max TTL before the old child stops, and drops the old user', async () => {
  const app = await provisionApp(vault(), { readPaths: [SHORT_CREDS] });
  const running = startDbClient(cliEnv(vault(), app), [], databaseUrlTemplate(pg(), SHORT_CREDS));
  await running.waitForOutput('READY');
  const [firstUser] = databaseUsers(running);
  await waitFor(() => databaseUsers(running).length >= 2 && running.stdout().split('READY').length > 2, {
    timeoutMs: 20_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  const stderr = running.stderr();
  expect(stderr).toMatch(/renewed the lease of database\/creds\/short for \d s/);
  // Make-before-break: the second read (its log line) comes before the old child is asked to stop.
  const secondRead = [...stderr.matchAll(/read 1 secret from 1 path/g)][1]?.index ?? -1;
  expect(secondRead).toBeGreaterThan(-1);
  expect(secondRead).toBeLessThan(stderr.indexOf('restarting the child: the lease of database/creds/short'));
  const [, secondUser] = databaseUsers(running);
  expect(secondUser).not.toBe(firstUser);
  await running.waitForOutput(`CONNECTED ${secondUser} 2`);
  // The superseded lease is revoked once the old child has exited: its PostgreSQL role is dropped.
  await waitFor(async () => !(await pg().roleNames()).includes(firstUser!), {
    timeoutMs: 10_000,
    message: `the old PostgreSQL role ${firstUser} is still there; stderr:\n${running.stderr()}`,
  });
  const gap = Number(running.stderr().match(/the new child started (\d+) ms after the old one exited/)?.[1]);
  expect(gap).toBeGreaterThanOrEqual(0);
  process.stdout.write(`[figure] time with no child during a database restart: ${gap} ms\n`);
  await stopAndExpectNoUsers(running);
});

test('a KV change under --watch restarts the child once and keeps the same database user', async () => {
  await vault().admin.writeKv2('dbapp/config', { flag: secretValue('flag-one') });
  const paths = [LONG_CREDS, 'secret/data/dbapp/*', 'secret/metadata/dbapp/*'];
  const app = await provisionApp(vault(), { readPaths: paths });
  const running = startDbClient(
    cliEnv(vault(), app),
    ['--watch', '300ms', '--secret', 'FLAG=secret/dbapp/config#flag'],
    databaseUrlTemplate(pg(), LONG_CREDS),
  );
  await running.waitForOutput('READY');
  await vault().admin.writeKv2('dbapp/config', { flag: secretValue('flag-two') });
  await waitFor(() => databaseUsers(running).length >= 2, {
    timeoutMs: 10_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  await waitFor(() => quietChecksAfterRestart(running) >= 3, { timeoutMs: 10_000 });
  const users = databaseUsers(running);
  expect(users).toHaveLength(2);
  expect(users[1]).toBe(users[0]);
  expect(count(running.stderr(), /restarting the child/)).toBe(1);
  expect(await dynamicUsers(pg())).toEqual([users[0]]);
  await running.waitForOutput(new RegExp(`SIGNAL SIGTERM\\n(.*\\n)*CONNECTED ${users[0]} 2`));
  await stopAndExpectNoUsers(running);
});

test('a restart whose read is denied keeps the old child connected; restoring the policy lets the next one succeed', async () => {
  await vault().admin.writeKv2('denied/config', { flag: secretValue('denied-one') });
  const paths = [LONG_CREDS, 'secret/data/denied/*', 'secret/metadata/denied/*'];
  const app = await provisionApp(vault(), { readPaths: paths });
  const running = startDbClient(
    cliEnv(vault(), app),
    ['--watch', '300ms', '--secret', 'FLAG=secret/denied/config#flag'],
    databaseUrlTemplate(pg(), LONG_CREDS),
  );
  await running.waitForOutput('READY');
  const [user] = databaseUsers(running);
  await vault().admin.writePolicy(app.role, appPolicy([LONG_CREDS, 'secret/metadata/denied/*']));
  await vault().admin.writeKv2('denied/config', { flag: secretValue('denied-two') });
  await waitFor(() => count(running.stderr(), /could not prepare the restart/) >= 2, {
    timeoutMs: 10_000,
    message: `no deferred restart; stderr:\n${running.stderr()}`,
  });
  // The old child is still there and still logging in to PostgreSQL.
  const connections = count(running.stdout(), new RegExp(`CONNECTED ${user} 2`));
  await waitFor(() => count(running.stdout(), new RegExp(`CONNECTED ${user} 2`)) > connections + 1);
  expect(running.stdout()).not.toContain('SIGNAL SIGTERM');
  await vault().admin.writePolicy(app.role, appPolicy(paths));
  await waitFor(() => databaseUsers(running).length >= 2, {
    timeoutMs: 10_000,
    message: `no restart after the policy was restored; stderr:\n${running.stderr()}`,
  });
  expect(databaseUsers(running)).toEqual([user, user]);
  await stopAndExpectNoUsers(running);
});

test("a static role's rotation restarts the child exactly once with the new password; idle, it never does", async () => {
  const app = await provisionApp(vault(), { readPaths: [STATIC_CREDS] });
  const running = startDbClient(
    cliEnv(vault(), app),
    ['--watch', '300ms'],
    databaseUrlTemplate(pg(), STATIC_CREDS),
  );
  await running.waitForOutput('READY');
  // Idle: its ttl counts down in every answer, and that is no reason to restart.
  await waitFor(() => count(running.stderr(), /checked the watched secrets: no change/) >= 5, {
    timeoutMs: 10_000,
  });
  expect(databaseUsers(running)).toEqual(['static_app']);
  const rotated = await rotateStaticRole(vault(), 'static-app');
  await waitFor(() => databaseUsers(running).length >= 2, {
    timeoutMs: 10_000,
    message: `no restart after the rotation; stderr:\n${running.stderr()}`,
  });
  await waitFor(() => quietChecksAfterRestart(running) >= 3, { timeoutMs: 10_000 });
  expect(databaseUsers(running)).toEqual(['static_app', 'static_app']);
  expect(passwords(running)[1]).toBe(rotated.password);
  expect(passwords(running)[0]).not.toBe(rotated.password);
  expect(running.stderr()).toContain(
    `restarting the child: ${STATIC_CREDS} changed (the static role was rotated)`,
  );
  expect(count(running.stderr(), /restarting the child/)).toBe(1);
  await running.waitForOutput(/SIGNAL SIGTERM\n(.*\n)*CONNECTED static_app 2/);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('an ending lease whose new credentials are denied keeps the old child, and is retried until the policy is back', async () => {
  const app = await provisionApp(vault(), { readPaths: [SLOW_CREDS] });
  const running = startDbClient(cliEnv(vault(), app), [], databaseUrlTemplate(pg(), SLOW_CREDS));
  await running.waitForOutput('READY');
  const [firstUser] = databaseUsers(running);
  await vault().admin.writePolicy(app.role, appPolicy([]));
  await waitFor(
    () => running.stderr().includes('could not prepare the restart (the lease of database/creds/slow'),
    {
      timeoutMs: 30_000,
      message: `no deferred restart; stderr:\n${running.stderr()}`,
    },
  );
  expect(running.stderr()).toMatch(
    /the child keeps running, retrying in .* \(the old credentials expire in /,
  );
  expect(running.stdout()).not.toContain('SIGNAL SIGTERM');
  await vault().admin.writePolicy(app.role, appPolicy([SLOW_CREDS]));
  await waitFor(() => databaseUsers(running).length >= 2, {
    timeoutMs: 10_000,
    message: `no restart after the policy was restored; stderr:\n${running.stderr()}`,
  });
  const [, secondUser] = databaseUsers(running);
  expect(secondUser).not.toBe(firstUser);
  await running.waitForOutput(`CONNECTED ${secondUser} 2`);
  await waitFor(async () => !(await pg().roleNames()).includes(firstUser!), { timeoutMs: 10_000 });
  await stopAndExpectNoUsers(running);
});
