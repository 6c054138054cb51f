// The seeds' centrepiece, DATABASE_URL from Vault's database engine, as the kit deploys it: a real
// vault/init.sh run with the DB settings against the dev server and a throwaway PostgreSQL, then
// vault-exec with the AppRole files init wrote and compose's DATABASE_URL. Each start gets a user of
// its own, with data rights only, and the user is gone once vault-exec has exited.
// The tests run in order and build on each other, like a deployment's first and later runs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { leakedSecrets } from '../support/app-role';
import { connectedUsers, dbClient } from '../support/db-client';
import { rememberSecret } from '../support/leak-scan';
import { DATABASE, usePostgres } from '../support/postgres-server';
import { waitFor } from '../support/processes';
import type { PgLogin } from '../support/psql';
import { dynamicUsers } from '../support/vault-database';
import { vaultBinaryPath } from '../support/vault-binary';
import { useVaultServer } from '../support/vault-server';
import { freePort, pythonEnv, run, startProgram, stopAllPrograms, waitForHealthy } from './helpers';

const vault = useVaultServer();
const pg = usePostgres();
const ROLE = 'saas-project-dev';
const CREDS = `database/creds/${ROLE}`;

let work: string;
let venv: string;
let out: string; // init's OUT_DIR
// The dedicated admin the production guide asks for: CREATEROLE and grant options, not a superuser.
// init.sh rotates its password, so the harness's superuser stays free for the assertions.
let admin: PgLogin;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vault-exec-seeds-db-'));
  out = join(work, 'approle');
  venv = pythonEnv();
  admin = { user: 'vault_kit_admin', password: rememberSecret(`pg${randomBytes(16).toString('hex')}`) };
  await pg().query(
    [
      `CREATE ROLE ${admin.user} WITH LOGIN CREATEROLE PASSWORD '${admin.password}';`,
      `GRANT USAGE ON SCHEMA public TO ${admin.user} WITH GRANT OPTION;`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${admin.user} WITH GRANT OPTION;`,
      `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${admin.user} WITH GRANT OPTION;`,
    ].join('\n'),
  );
});
afterAll(() => {
  stopAllPrograms();
  rmSync(work, { recursive: true, force: true });
});

const dbSettings = (): Record<string, string> => ({
  DB_CONNECTION_URL: `postgresql://{{username}}:{{password}}@127.0.0.1:${pg().port}/${DATABASE}?sslmode=disable`,
  DB_ADMIN_USERNAME: admin.user,
  DB_ADMIN_PASSWORD: admin.password,
});
/** vault/init.sh as compose's vault-init runs it: the vault CLI on PATH, an operator token, nothing else. */
const init = (extra: Record<string, string> = {}) =>
  run(
    '/bin/sh',
    ['vault/init.sh'],
    {
      PATH: `${dirname(vaultBinaryPath())}:/usr/local/bin:/usr/bin:/bin`,
      HOME: work,
      VAULT_ADDR: vault().addr,
      VAULT_TOKEN: vault().rootToken,
      OUT_DIR: out,
      ...extra,
    },
    60_000,
  );
/** compose's DATABASE_URL, with the test cluster's address instead of db:5432. */
const databaseUrl = () =>
  `postgresql://\${vault:${CREDS}#username}:\${vault:${CREDS}#password}@127.0.0.1:${pg().port}/${DATABASE}`;
const appCredentials = (dir = out) => [
  '--role-id-file',
  join(dir, 'role-id'),
  '--secret-id-file',
  join(dir, 'secret-id'),
];
const policyText = async (name = ROLE): Promise<string> =>
  (await vault().admin.request('GET', `sys/policies/acl/${name}`)).body.data.policy;

test('without the DB settings init.sh leaves the database engine alone and grants no database path', async () => {
  const result = await init();
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).not.toMatch(/database/i);
  expect((await vault().admin.request('GET', 'sys/mounts/database')).status).toBe(400); // not mounted
  expect(await policyText()).not.toContain('database/');
  expect(await policyText()).not.toContain('sys/leases');
});

test('with DB_CONNECTION_URL init.sh configures the engine, rotates the admin password away, and writes a role with 1 h / 24 h leases', async () => {
  // The first run reads the password from a file, as from a compose or Kubernetes secret (newline included).
  const passwordFile = join(work, 'db-admin-password');
  writeFileSync(passwordFile, `${admin.password}\n`, { mode: 0o600 });
  const { DB_ADMIN_PASSWORD: _, ...withoutPassword } = dbSettings();
  const result = await init({ ...withoutPassword, DB_ADMIN_PASSWORD_FILE: passwordFile });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain('enabled the database engine at database/');
  expect(result.stderr).toContain('Vault logged in as vault_kit_admin with the password given');
  expect(result.stderr).toContain(`rotated the password of ${admin.user}`);
  expect(leakedSecrets(result.stdout + result.stderr, [admin.password])).toEqual([]);

  // Only Vault knows the admin's password now: the one the deployment gave no longer logs in.
  const stale = await pg().attempt('SELECT 1', admin);
  expect(stale.code).not.toBe(0);
  expect(stale.stderr).toContain('password authentication failed');

  const connection = await vault().admin.request('GET', `database/config/${ROLE}`);
  expect(connection.body.data).toMatchObject({
    plugin_name: 'postgresql-database-plugin',
    allowed_roles: [ROLE],
  });
  const role = await vault().admin.request('GET', `database/roles/${ROLE}`);
  expect(role.body.data).toMatchObject({ db_name: ROLE, default_ttl: 3600, max_ttl: 86400 });
  expect(role.body.data.revocation_statements.join('\n')).toContain('DROP ROLE');

  const policy = await policyText();
  expect(policy).toContain(`path "${CREDS}"`);
  expect(policy).toContain(`"lease_id" = ["${CREDS}/*"]`);
  expect(policy).not.toContain('@');
});

test("vault-exec with init's AppRole and compose's DATABASE_URL: the child is a dynamic user with data rights only, dropped at exit", async () => {
  const psql = pg().bin('psql');
  // Each line is one psql run; a failure prints psql's error and the script goes on.
  const script = [
    `"${psql}" -X -A -t -d "$DATABASE_URL" -c 'SELECT current_user, count(*) FROM items'`,
    `"${psql}" -X -A -t -q -d "$DATABASE_URL" -c "INSERT INTO items VALUES (3, 'third')" && echo inserted`,
    `"${psql}" -X -A -t -q -d "$DATABASE_URL" -c 'CREATE TABLE mine (x int)' 2>&1 | head -1`,
    `"${psql}" -X -A -t -q -d "$DATABASE_URL" -c 'CREATE ROLE other' 2>&1 | head -1`,
  ].join('\n');
  const result = await run(
    process.execPath,
    ['bin/vault-exec', ...appCredentials(), '--', '/bin/sh', '-c', script],
    { PATH: '/usr/bin:/bin', VAULT_ADDR: vault().addr, DATABASE_URL: databaseUrl() },
  );
  expect(result.code, result.stderr).toBe(0);
  const [identity, inserted, createTable, createRole] = result.stdout.trim().split('\n');
  expect(identity).toMatch(/^v-approle-saas-pro[^|]*\|2$/);
  expect(inserted).toBe('inserted');
  expect(createTable).toContain('permission denied for schema public');
  expect(createRole).toContain('permission denied to create role');
  expect(result.stderr).toContain('read 1 secret from 1 path'); // one read, one user

  // vault-exec revoked its token, and with it the lease: the revocation statements dropped the user.
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
    timeoutMs: 10_000,
    message: 'the dynamic user outlived vault-exec',
  });
});

test('a second init.sh run converges while the Flask example runs: its user keeps working, and the role is unchanged', async () => {
  const port = await freePort();
  const flask = startProgram(
    process.execPath,
    ['bin/vault-exec', ...appCredentials(), '--', join(venv, 'bin/python'), 'examples/flask/app.py'],
    {
      PATH: `${join(venv, 'bin')}:/usr/bin:/bin`,
      VAULT_ADDR: vault().addr,
      PORT: String(port),
      DATABASE_URL: databaseUrl(),
    },
  );
  const whoAmI = async () => (await (await fetch(`http://127.0.0.1:${port}/db`)).json()) as { user: string };
  await waitForHealthy(`http://127.0.0.1:${port}/db`, flask);
  const before = await whoAmI();
  expect(before).toEqual({ status: 'ok', user: expect.stringMatching(/^v-/) });
  expect(await dynamicUsers(pg())).toEqual([before.user]);
  const roleBefore = (await vault().admin.request('GET', `database/roles/${ROLE}`)).body.data;
  const roleId = readFileSync(join(out, 'role-id'), 'utf8');
  const secretId = readFileSync(join(out, 'secret-id'), 'utf8');

  // The deployment still passes the admin password it started with; Vault has rotated it since.
  const again = await init(dbSettings());
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr).toContain('database engine already enabled');
  expect(again.stderr).toContain('kept the admin credentials Vault holds');
  expect(again.stderr).toContain('kept');
  expect(readFileSync(join(out, 'role-id'), 'utf8')).toBe(roleId);
  expect(readFileSync(join(out, 'secret-id'), 'utf8')).toBe(secretId);
  expect((await vault().admin.request('GET', `database/roles/${ROLE}`)).body.data).toEqual(roleBefore);
  expect(await whoAmI()).toEqual(before);

  // A run without the DB settings (a deploy job issuing a secret_id) keeps the database grant.
  const plain = await init();
  expect(plain.code, plain.stderr).toBe(0);
  expect(await policyText()).toContain(`path "${CREDS}"`);
  expect(await whoAmI()).toEqual(before);

  flask.kill('SIGTERM');
  expect(await flask.exited).toEqual({ code: 0, signal: null });
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
    timeoutMs: 10_000,
    message: 'the dynamic user outlived vault-exec',
  });
});

test("the app's token renews and revokes its own database leases, and no other lease", async () => {
  const login = await vault().admin.login(
    readFileSync(join(out, 'role-id'), 'utf8').trim(),
    readFileSync(join(out, 'secret-id'), 'utf8').trim(),
  );
  const as = (method: string, path: string, body?: unknown) =>
    vault().admin.request(method, path, body, login.token);
  const creds = await as('GET', CREDS);
  expect(creds.status).toBe(200);
  rememberSecret(creds.body.data.password);
  const lease = creds.body.lease_id as string;

  expect((await as('PUT', 'sys/leases/renew', { lease_id: lease, increment: 600 })).status).toBe(200);
  // Another role's lease id, whether it exists or not: the policy pins lease_id to this role.
  const foreign = 'database/creds/other-app/AbCdEf123456';
  expect((await as('PUT', 'sys/leases/revoke', { lease_id: foreign })).status).toBe(403);
  expect((await as('PUT', `sys/leases/revoke/${foreign}`)).status).toBe(403);
  expect((await as('PUT', 'sys/leases/renew', { lease_id: foreign })).status).toBe(403);
  expect((await as('GET', 'database/creds/other-app')).status).toBe(403);
  expect((await as('GET', `database/config/${ROLE}`)).status).toBe(403);

  expect((await as('PUT', 'sys/leases/revoke', { lease_id: lease })).status).toBe(204);
  expect(await dynamicUsers(pg())).toEqual([]);
  expect((await as('POST', 'auth/token/revoke-self', {})).status).toBe(204);
});

test('a new connection whose admin password does not log in stops init.sh with one line saying what to check', async () => {
  // Staging gets a connection of its own (named after its role); the password given was rotated away.
  const result = await init({ ...dbSettings(), APP_ENV: 'staging', OUT_DIR: join(work, 'staging') });
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines.filter((line) => line.includes('error'))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(
    new RegExp(
      `^vault-init: error: Vault could not log in to the database as ${admin.user} \\(.*password authentication failed.*\\); check DB_CONNECTION_URL, DB_ADMIN_USERNAME and the admin password$`,
    ),
  );
  expect(leakedSecrets(result.stdout + result.stderr, [admin.password])).toEqual([]);
  expect((await vault().admin.request('GET', 'database/config/saas-project-staging')).status).toBe(404);
});

test('DB_DEFAULT_TTL and DB_MAX_TTL tune the lease, and vault-exec renews it through the pinned policy', async () => {
  const tuned = await init({ ...dbSettings(), DB_DEFAULT_TTL: '3s', DB_MAX_TTL: '1m' });
  expect(tuned.code, tuned.stderr).toBe(0);
  const role = await vault().admin.request('GET', `database/roles/${ROLE}`);
  expect(role.body.data).toMatchObject({ default_ttl: 3, max_ttl: 60 });

  const client = startProgram(
    process.execPath,
    [
      'bin/vault-exec',
      ...appCredentials(),
      '--log-level',
      'debug',
      '--',
      process.execPath,
      dbClient,
      '--every',
      '500',
    ],
    { PATH: '/usr/bin:/bin', PSQL: pg().bin('psql'), VAULT_ADDR: vault().addr, DATABASE_URL: databaseUrl() },
  );
  await waitFor(() => /renewed the lease of database\/creds\/saas-project-dev/.test(client.output()), {
    timeoutMs: 15_000,
    message: `vault-exec did not renew the lease:\n${client.output()}`,
  });
  const users = connectedUsers(client.output());
  expect(users.length).toBeGreaterThan(0);
  expect(new Set(users).size).toBe(1); // renewed, not replaced: one user throughout
  expect(client.output()).not.toContain('FAILED');

  client.kill('SIGTERM');
  expect(await client.exited).toEqual({ code: 0, signal: null });
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
    timeoutMs: 10_000,
    message: 'the dynamic user outlived vault-exec',
  });
});

test('no dynamic user is left in PostgreSQL after the tests', async () => {
  expect(await dynamicUsers(pg())).toEqual([]);
  expect(await pg().roleNames()).toEqual([admin.user]);
});
