// The seeds' migration, end to end and without Docker: a real Vault dev server, vault/init.sh and
// vault/migrate.mjs against it, then both example apps behind vault-exec with the credential files
// init wrote: Node under the bundle, Flask under the standalone binary with no node on PATH.
// The tests run in order and build on each other, like the steps of the migration.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { leakedSecrets } from '../support/app-role';
import { vaultBinaryPath } from '../support/vault-binary';
import { useVaultServer } from '../support/vault-server';
import { freePort, pythonEnv, repoRoot, run, startProgram, stopAllPrograms, waitForHealthy } from './helpers';

const vault = useVaultServer();
const PREFIX = 'secret/saas-project/dev';
const envFile = join(repoRoot, 'test/seeds/fixtures/app.env');
const mapFile = join(repoRoot, 'vault/migration-map.example.json');
const fakeValues = parseEnv(readFileSync(envFile, 'utf8')) as Record<string, string>;
const secretsInEnvFile = ['POSTGRES_PASSWORD', 'JWT_SECRET', 'FLASK_SECRET_KEY', 'MINIO_ROOT_PASSWORD'].map(
  (name) => fakeValues[name]!,
);

let work: string;
let venv: string;
let out: string; // init's OUT_DIR: the "shared volume"
let adminToken: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vault-exec-seeds-'));
  out = join(work, 'approle');
  venv = pythonEnv();
});
afterAll(() => {
  stopAllPrograms();
  rmSync(work, { recursive: true, force: true });
});

/** Only what the scripts need: the vault CLI on PATH, the server and an operator token. */
const scriptEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: `${dirname(vaultBinaryPath())}:/usr/local/bin:/usr/bin:/bin`,
  HOME: work,
  VAULT_ADDR: vault().addr,
  ...extra,
});
const init = (extra: Record<string, string> = {}) =>
  run('/bin/sh', ['vault/init.sh'], scriptEnv({ VAULT_TOKEN: vault().rootToken, OUT_DIR: out, ...extra }));
const migrate = (...flags: string[]) =>
  run(
    process.execPath,
    [
      'vault/migrate.mjs',
      '--env-file',
      envFile,
      '--map',
      mapFile,
      '--project-file',
      join(work, 'vault-exec.yaml'),
      ...flags,
    ],
    scriptEnv({ VAULT_TOKEN: adminToken }),
  );
const fileMode = (path: string) => statSync(path).mode & 0o777;

test('init.sh provisions AppRole, KV v2, the policies and the role, and writes the credential files (mode 600)', async () => {
  const first = await init();
  expect(first.code, first.stderr).toBe(0);
  expect(fileMode(join(out, 'role-id'))).toBe(0o600);
  expect(fileMode(join(out, 'secret-id'))).toBe(0o600);

  const role = await vault().admin.request('GET', 'auth/approle/role/saas-project-dev');
  expect(role.body.data).toMatchObject({
    token_ttl: 900,
    token_max_ttl: 3600,
    secret_id_num_uses: 0,
    token_no_default_policy: true,
    token_policies: ['saas-project-dev'],
  });
  const policy = await vault().admin.request('GET', 'sys/policies/acl/saas-project-dev');
  expect(policy.body.data.policy).toContain('path "secret/data/saas-project/dev/*"');
  expect(policy.body.data.policy).not.toContain('@PROJECT@');

  const secretId = readFileSync(join(out, 'secret-id'), 'utf8');
  expect(leakedSecrets(first.stdout + first.stderr, [secretId])).toEqual([]);
});

test('init.sh is idempotent: a second run converges and keeps the still-valid secret_id', async () => {
  const before = {
    roleId: readFileSync(join(out, 'role-id'), 'utf8'),
    secretId: readFileSync(join(out, 'secret-id'), 'utf8'),
  };
  const second = await init();
  expect(second.code, second.stderr).toBe(0);
  expect(second.stderr).toContain('AppRole already enabled');
  expect(second.stderr).toContain('kept');
  expect(readFileSync(join(out, 'role-id'), 'utf8')).toBe(before.roleId);
  expect(readFileSync(join(out, 'secret-id'), 'utf8')).toBe(before.secretId);
});

test('migrate.mjs: a dry run names keys and paths only, a run writes, a re-run refuses, --force writes a new version', async () => {
  // The migration runs with the project's admin policy, not root: the policy is enough, and is what CI gets.
  const token = await vault().admin.request('POST', 'auth/token/create', {
    policies: ['saas-project-admin'],
    no_default_policy: true,
    ttl: '10m',
  });
  adminToken = token.body.auth.client_token;

  const dry = await migrate('--dry-run');
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toContain(
    `would write ${PREFIX}/database [new]: username <- POSTGRES_USER, password <- POSTGRES_PASSWORD`,
  );
  expect(dry.stdout).toContain('left in the .env file (no mapping): DATABASE_URL, LOG_LEVEL, PORT');
  expect(dry.stdout).toContain('DATABASE_URL contains the value of POSTGRES_USER, POSTGRES_PASSWORD');
  expect(
    leakedSecrets(
      dry.stdout + dry.stderr,
      Object.values(fakeValues).filter((value) => value.startsWith('fake-')),
    ),
  ).toEqual([]);
  expect((await vault().admin.request('GET', `secret/metadata/saas-project/dev/database`)).status).toBe(404);

  const real = await migrate();
  expect(real.code, real.stderr).toBe(0);
  expect(leakedSecrets(real.stdout + real.stderr, secretsInEnvFile)).toEqual([]);
  const written = await vault().admin.request('GET', 'secret/data/saas-project/dev/database');
  expect(written.body.data.data).toEqual({ username: 'saas_app', password: fakeValues.POSTGRES_PASSWORD });
  expect(real.stdout).toContain(`--secret JWT_SECRET=${PREFIX}/jwt#secret`);

  const again = await migrate();
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('refusing to overwrite');
  expect(
    (await vault().admin.request('GET', 'secret/metadata/saas-project/dev/database')).body.data
      .current_version,
  ).toBe(1);

  const forced = await migrate('--force');
  expect(forced.code, forced.stderr).toBe(0);
  expect(
    (await vault().admin.request('GET', 'secret/metadata/saas-project/dev/database')).body.data
      .current_version,
  ).toBe(2);
});

test('the Node example runs under the bundle (bin/vault-exec) with the files init wrote, and stops with 0 on SIGTERM', async () => {
  const port = await freePort();
  const app = startProgram(
    process.execPath,
    [
      'bin/vault-exec',
      '--role-id-file',
      join(out, 'role-id'),
      '--secret-id-file',
      join(out, 'secret-id'),
      '--secrets',
      `DB_=${PREFIX}/database`,
      '--',
      process.execPath,
      'examples/node/server.js',
    ],
    {
      PATH: process.env.PATH,
      VAULT_ADDR: vault().addr,
      PORT: String(port),
      JWT_SECRET: `vault:${PREFIX}/jwt#secret`,
      DATABASE_URL: `postgresql://\${vault:${PREFIX}/database#username}:\${vault:${PREFIX}/database#password}@db:5432/saas`,
    },
  );
  await waitForHealthy(`http://127.0.0.1:${port}/health`, app);
  const text = await (await fetch(`http://127.0.0.1:${port}/health`)).text();
  const health = JSON.parse(text);
  expect(health.status).toBe('ok');
  expect(health.secrets.DB_PASSWORD).toEqual({ present: true, length: fakeValues.POSTGRES_PASSWORD!.length });
  expect(health.secrets.JWT_SECRET).toEqual({ present: true, length: fakeValues.JWT_SECRET!.length });
  expect(health.secrets.DATABASE_URL).toEqual({ present: true, length: fakeValues.DATABASE_URL!.length });
  expect(health.envNames).not.toContain('VAULT_ROLE_ID');

  app.kill('SIGTERM');
  expect(await app.exited).toEqual({ code: 0, signal: null });
  expect(leakedSecrets(text + app.output(), secretsInEnvFile)).toEqual([]);
});

test('the Flask example runs under the standalone binary with no node on PATH, and stops with 0 on SIGTERM', async () => {
  const standalone = join(repoRoot, 'dist/vault-exec-linux-x64');
  expect(existsSync(standalone), 'run `npm run build:standalone` first').toBe(true);
  // PATH is the venv alone (python for the child); /usr/bin, where this machine's node lives, is not on it.
  const path = join(venv, 'bin');
  expect(existsSync(join(path, 'node'))).toBe(false);
  const port = await freePort();
  const app = startProgram(
    standalone,
    [
      '--role-id-file',
      join(out, 'role-id'),
      '--secret-id-file',
      join(out, 'secret-id'),
      '--',
      'python',
      'examples/flask/app.py',
    ],
    {
      PATH: path,
      VAULT_ADDR: vault().addr,
      PORT: String(port),
      VAULT_EXEC_SECRET: `SECRET_KEY=${PREFIX}/flask#secret_key`,
      VAULT_EXEC_SECRETS: `S3_=${PREFIX}/storage`,
      DATABASE_URL: `postgresql://\${vault:${PREFIX}/database#username}:\${vault:${PREFIX}/database#password}@db:5432/saas`,
    },
  );
  await waitForHealthy(`http://127.0.0.1:${port}/health`, app);
  const text = await (await fetch(`http://127.0.0.1:${port}/health`)).text();
  const health = JSON.parse(text);
  expect(health.status).toBe('ok');
  expect(health.secrets).toEqual({
    SECRET_KEY: { present: true, length: fakeValues.FLASK_SECRET_KEY!.length },
    DATABASE_URL: { present: true, length: fakeValues.DATABASE_URL!.length },
    S3_ACCESS_KEY: { present: true, length: fakeValues.MINIO_ROOT_USER!.length },
    S3_SECRET_KEY: { present: true, length: fakeValues.MINIO_ROOT_PASSWORD!.length },
  });

  app.kill('SIGTERM');
  expect(await app.exited).toEqual({ code: 0, signal: null });
  expect(app.output()).toContain('SIGTERM received');
  expect(leakedSecrets(text + app.output(), secretsInEnvFile)).toEqual([]);
});

test("the app's policy reads its own paths only and cannot write secrets", async () => {
  const admin = vault().admin;
  const login = await admin.login(
    readFileSync(join(out, 'role-id'), 'utf8').trim(),
    readFileSync(join(out, 'secret-id'), 'utf8').trim(),
  );
  const read = (path: string) => admin.request('GET', path, undefined, login.token);
  expect((await read('secret/data/saas-project/dev/database')).status).toBe(200);
  expect((await read('secret/data/saas-project/prod/database')).status).toBe(403);
  expect((await read('secret/metadata/saas-project/dev')).status).toBe(403); // no listing either
  const write = await admin.request(
    'POST',
    'secret/data/saas-project/dev/database',
    { data: { password: 'x' } },
    login.token,
  );
  expect(write.status).toBe(403);
  const create = await admin.request(
    'POST',
    'secret/data/saas-project/dev/new-secret',
    { data: { k: 'v' } },
    login.token,
  );
  expect(create.status).toBe(403);
  expect((await admin.request('POST', 'auth/token/revoke-self', {}, login.token)).status).toBe(204);
});

test('init.sh with WRAP_TTL writes a single-use wrapping token instead of the secret_id', async () => {
  const wrappedOut = join(work, 'wrapped');
  const result = await init({ OUT_DIR: wrappedOut, WRAP_TTL: '2m' });
  expect(result.code, result.stderr).toBe(0);
  expect(existsSync(join(wrappedOut, 'secret-id'))).toBe(false);
  expect(fileMode(join(wrappedOut, 'secret-id.wrapped'))).toBe(0o600);

  // What the app container must do before vault-exec can use it (vault-exec does not unwrap yet).
  const wrappingToken = readFileSync(join(wrappedOut, 'secret-id.wrapped'), 'utf8').trim();
  const unwrapped = await vault().admin.request('POST', 'sys/wrapping/unwrap', undefined, wrappingToken);
  expect(unwrapped.status).toBe(200);
  const login = await vault().admin.login(
    readFileSync(join(wrappedOut, 'role-id'), 'utf8').trim(),
    unwrapped.body.data.secret_id,
  );
  expect(login.token).toBeTruthy();
  expect((await vault().admin.request('POST', 'sys/wrapping/unwrap', undefined, wrappingToken)).status).toBe(
    400,
  ); // single use
});
