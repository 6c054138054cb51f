// `vault-exec run` in a developer's checkout: the project file vault-exec.yaml, found from the
// current directory up to the repository root, and ignored by the container form.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { childEnvFrom, provisionApp, secretValue } from '../support/app-role';
import { createDevProject, createDeveloperToken, type DevProject } from '../support/dev-project';
import { rememberSecret } from '../support/leak-scan';
import { fixture, killAllStarted, runCli } from '../support/processes';
import { appPolicy } from '../support/vault-admin';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const printEnv = ['node', fixture('print-env.mjs')];
const db = { username: 'app_user', password: secretValue('db-password') };
const api = { key: secretValue('api-key'), url: 'https://api.example' };
let project: DevProject;
let token: string;

beforeAll(async () => {
  const { admin } = vault();
  await admin.writeKv2('proj/db', db);
  await admin.writeKv2('proj/api', api);
  await admin.writePolicy('developer', appPolicy(['secret/data/proj/*']));
  token = rememberSecret(await createDeveloperToken(admin, 'developer'));
});
afterEach(() => {
  killAllStarted();
  project?.remove();
});

/** The developer's shell: the address and a token, nothing else of Vault's. */
const shell = (extra: Record<string, string> = {}) =>
  project.env({ VAULT_ADDR: vault().addr, VAULT_TOKEN: token, ...extra });

const PROJECT_FILE = [
  'secret:',
  '  - DB_PASSWORD=secret/proj/db#password',
  'secrets: [API_=secret/proj/api]',
  '',
].join('\n');

describe('vault-exec run finds the project file', () => {
  test('in the current directory: the child gets the mapped secrets, and the file used is logged', async () => {
    project = createDevProject();
    const file = project.write('vault-exec.yaml', PROJECT_FILE);
    const result = await runCli(['run', '--', ...printEnv], { env: shell(), cwd: project.repo });
    expect(result.code, result.stderr).toBe(0);
    expect(childEnvFrom(result.stdout)).toMatchObject({
      DB_PASSWORD: db.password,
      API_KEY: api.key,
      API_URL: api.url,
    });
    expect(result.stderr).toContain(`vault-exec: using the project file ${file}`);
    expect(result.stderr).toContain('with a token from VAULT_TOKEN');
  });

  // The YAML parser is compiled on first use from text the bundle carries (scripts/build.mjs): that
  // must work where Node refuses eval and new Function, a hardening flag NODE_OPTIONS can carry.
  test('with Node forbidding code generation from strings, the file is still read', async () => {
    project = createDevProject();
    project.write('vault-exec.yaml', PROJECT_FILE);
    const env = shell({ NODE_OPTIONS: '--disallow-code-generation-from-strings' });
    const result = await runCli(['run', '--', ...printEnv], { env, cwd: project.repo });
    expect(result.code, result.stderr).toBe(0);
    expect(childEnvFrom(result.stdout)).toMatchObject({ DB_PASSWORD: db.password, API_KEY: api.key });
  });

  test('the file can hold the command, so `vault-exec run` needs no arguments at all', async () => {
    project = createDevProject();
    project.write(
      'vault-exec.yaml',
      `${PROJECT_FILE}command: [node, ${JSON.stringify(fixture('print-env.mjs'))}]\n`,
    );
    const result = await runCli(['run'], { env: shell(), cwd: project.repo });
    expect(result.code, result.stderr).toBe(0);
    expect(childEnvFrom(result.stdout).API_KEY).toBe(api.key);
  });
});

describe('the container form', () => {
  test('ignores a vault-exec.yaml in the same directory', async () => {
    project = createDevProject();
    project.write('vault-exec.yaml', PROJECT_FILE);
    const result = await runCli(['--', ...printEnv], { env: shell(), cwd: project.repo });
    expect(result.code, result.stderr).toBe(0);
    expect(childEnvFrom(result.stdout).DB_PASSWORD).toBeUndefined();
    expect(result.stderr).not.toContain('project file');
  });

  test('reads a file it is given with --config', async () => {
    project = createDevProject();
    const file = project.write('deploy/vault-exec.yaml', PROJECT_FILE);
    const byFlag = await runCli(['--config', file, '--', ...printEnv], { env: shell(), cwd: project.root });
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(childEnvFrom(byFlag.stdout).DB_PASSWORD).toBe(db.password);
  });
});

// The full order (command line, twin, file, default) is a table in test/unit/resolve/project-file.test.ts.
test('precedence: the env twin wins over the file', async () => {
  project = createDevProject();
  project.write('vault-exec.yaml', 'secret: [PICKED=secret/proj/db#username]\n');
  const twin = { VAULT_EXEC_SECRET: 'PICKED=secret/proj/db#password' };
  const result = await runCli(['run', '--', ...printEnv], { env: shell(twin), cwd: project.repo });
  expect(childEnvFrom(result.stdout).PICKED).toBe(db.password);
});

test("the file's vault-addr never receives your own token: VAULT_ADDR must say where it goes", async () => {
  project = createDevProject();
  project.write('vault-exec.yaml', `vault-addr: ${vault().addr}\n${PROJECT_FILE}`);
  project.write('../home/.vault-token', token);
  const refused = await runCli(['run', '--', ...printEnv], { env: project.env(), cwd: project.repo });
  expect(refused.code).toBe(64);
  expect(refused.stdout).toBe('');
  expect(refused.stderr.trim().split('\n')).toEqual([
    `vault-exec: ${project.repo}/vault-exec.yaml sets vault-addr ${vault().addr}, but your own token (from ~/.vault-token) only goes to an address you set: if you trust it, set VAULT_ADDR or --vault-addr yourself (vault login needs it too)`,
  ]);
  const chosen = await runCli(['run', '--', ...printEnv], {
    env: project.env({ VAULT_ADDR: vault().addr }),
    cwd: project.repo,
  });
  expect(chosen.code, chosen.stderr).toBe(0);
  expect(childEnvFrom(chosen.stdout).DB_PASSWORD).toBe(db.password);
});

describe('a cloned repository cannot reach your credentials through the vault-exec.yaml it brings', () => {
  // The file's address is the real server here, so before the fix the login succeeded: check sent
  // your other project's secret_id there, and env deleted that file after the login.
  test('a secret-id-file outside the repository is refused by check and env, and kept', async () => {
    const mine = await provisionApp(vault());
    project = createDevProject();
    const yours = project.write('../home/other-project/secret-id', `${mine.secretId}\n`, 0o600);
    project.write('role-id', `${mine.roleId}\n`);
    project.write(
      'vault-exec.yaml',
      [
        `vault-addr: ${vault().addr}`,
        'auth: approle',
        'role-id-file: role-id',
        `secret-id-file: ${yours}`,
        'remove-secret-id-file: true',
        '',
      ].join('\n'),
    );
    for (const command of [['check'], ['env', '--format', 'json']]) {
      const result = await runCli(command, { env: project.env(), cwd: project.repo });
      expect(result.code, result.stderr).toBe(64);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toEqual([
        `vault-exec: refusing the project file ${project.repo}/vault-exec.yaml: its secret-id-file ${yours} is outside its repository ${project.repo}; keep that file in the repository, or pass the project file with --config if you trust it`,
      ]);
    }
    expect(existsSync(yours)).toBe(true);
    expect(readFileSync(yours, 'utf8').trim()).toBe(mine.secretId);
  });

  test("AppRole credentials exported in your shell never go to the file's address", async () => {
    const mine = await provisionApp(vault());
    project = createDevProject();
    project.write('vault-exec.yaml', `vault-addr: ${vault().addr}\n`);
    const exported = { VAULT_ROLE_ID: mine.roleId, VAULT_SECRET_ID: mine.secretId };
    const refused = await runCli(['check'], { env: project.env(exported), cwd: project.repo });
    expect(refused.code, refused.stderr).toBe(64);
    expect(refused.stderr.trim().split('\n')).toEqual([
      `vault-exec: ${project.repo}/vault-exec.yaml sets vault-addr, but the role_id (from VAULT_ROLE_ID) is not the repository's, and only goes to an address you set: if you trust that address, set VAULT_ADDR or --vault-addr yourself, or pass the project file with --config if you trust it`,
    ]);
    const chosen = await runCli(['check'], {
      env: project.env({ ...exported, VAULT_ADDR: vault().addr }),
      cwd: project.repo,
    });
    expect(chosen.code, chosen.stderr).toBe(0);
  });
});

// Every kind of mistake is a row of test/unit/resolve/project-file.test.ts; this is the bundle's own
// stderr, at debug with Node's debug output on, for the one that must not leak a value.
test('a literal secret in the file stops the start with 64 and one line that does not quote it', async () => {
  const literal = 'sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
  project = createDevProject();
  project.write('vault-exec.yaml', `secret:\n  - STRIPE_KEY=${literal}\n`);
  const result = await runCli(['run', '--', ...printEnv], { env: shell(), cwd: project.repo });
  expect(result.code).toBe(64);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(
    /^vault-exec: vault-exec.yaml:2: the value of "secret" looks like a random key or password, .*put the value in Vault/,
  );
  expect(result.stderr).not.toContain(literal);
});
