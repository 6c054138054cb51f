// The compose stack's Vault without Docker: vault/server.sh (file storage, unseals itself) and
// vault/init.sh with DEV_KEYS_DIR (initialises it once), as the vault and vault-init services run
// them, then a restart of the server: it unseals itself, and a token issued before it still renews.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitFor } from '../support/processes';
import { vaultBinaryPath } from '../support/vault-binary';
import { freePort, run, startProgram, stopAllPrograms, type Program } from './helpers';

let work: string;
let env: NodeJS.ProcessEnv;
let server: Program;
let appToken: string;
const keys = () => join(work, 'keys');
const out = () => join(work, 'approle');
const secrets = (): string[] =>
  ['unseal-key', 'root-token'].map((name) => readFileSync(join(keys(), name), 'utf8').trim());

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vault-exec-persistent-vault-'));
  mkdirSync(join(work, 'tmp'));
  const address = `127.0.0.1:${await freePort()}`;
  env = {
    PATH: `${dirname(vaultBinaryPath())}:/usr/local/bin:/usr/bin:/bin`,
    HOME: work,
    TMPDIR: join(work, 'tmp'),
    VAULT_ADDR: `http://${address}`,
    VAULT_LISTEN_ADDRESS: address,
    VAULT_DATA_DIR: join(work, 'data'),
    DEV_KEYS_DIR: keys(),
  };
});
afterAll(() => {
  stopAllPrograms();
  rmSync(work, { recursive: true, force: true });
});

/** Starts vault/server.sh and waits for the line its unsealer ends with. */
async function startServer(expected: string): Promise<Program> {
  const program = startProgram('/bin/sh', ['vault/server.sh'], env);
  await waitFor(() => program.output().includes(expected), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: `vault/server.sh did not say "${expected}":\n${program.output()}`,
  });
  return program;
}

const init = () => run('/bin/sh', ['vault/init.sh'], { ...env, OUT_DIR: out(), SEED_DEMO_SECRETS: 'true' });
/** The vault CLI with the given token (never printed). */
const vault = (token: string, args: string[]) => run('vault', args, { ...env, VAULT_TOKEN: token });

test('the first init.sh initialises the empty server, keeps its key and root token (mode 600) and provisions it', async () => {
  server = await startServer('not initialised yet');
  const first = await init();
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toContain('vault-init: initialised Vault with one key share');
  expect(first.stderr).toContain('vault-init: done:');
  for (const name of ['unseal-key', 'root-token'])
    expect(statSync(join(keys(), name)).mode & 0o777, name).toBe(0o600);
  const login = await run(
    'vault',
    [
      'write',
      '-field=token',
      'auth/approle/login',
      `role_id=@${join(out(), 'role-id')}`,
      `secret_id=@${join(out(), 'secret-id')}`,
    ],
    env,
  );
  expect(login.code, login.stderr).toBe(0);
  appToken = login.stdout.trim();
  for (const value of [...secrets(), appToken])
    expect(first.stdout + first.stderr + server.output()).not.toContain(value);
});

test('restarted, the server unseals itself, and a token issued before the restart still renews', async () => {
  server.kill('SIGTERM');
  await server.exited;
  server = await startServer('vault-server: unsealed with the key in');
  const renew = await vault(appToken, ['token', 'renew', '-format=json']);
  expect(renew.code, renew.stderr).toBe(0);
  expect(JSON.parse(renew.stdout).auth.lease_duration).toBeGreaterThan(0);
  for (const value of secrets()) expect(server.output()).not.toContain(value);
});

test('init.sh again converges: no second initialisation, the same role_id and secret_id', async () => {
  const [roleId, secretId] = ['role-id', 'secret-id'].map((name) => readFileSync(join(out(), name), 'utf8'));
  const again = await init();
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr).not.toContain('initialised Vault');
  expect(again.stderr).toContain('kept');
  expect(readFileSync(join(out(), 'role-id'), 'utf8')).toBe(roleId);
  expect(readFileSync(join(out(), 'secret-id'), 'utf8')).toBe(secretId);
  server.kill('SIGTERM');
  await server.exited;
});
