// README "Local development", step by step: a checkout holding a vault-exec.yaml (the Node example's
// own), `vault login` with the real Vault CLI (userpass here; OIDC needs a browser), then
// `vault-exec run` with no flags. Then Vault goes away: the fallback works in development and is
// refused in production.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { secretValue } from '../support/app-role';
import { rememberSecret } from '../support/leak-scan';
import { createDevProject, deadAddress, type DevProject } from '../support/dev-project';
import { killAllStarted, startCli, runCli } from '../support/processes';
import { appPolicy } from '../support/vault-admin';
import { vaultBinaryPath } from '../support/vault-binary';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const example = join(import.meta.dirname, '../../examples/node');
const password = secretValue('userpass-password');
let project: DevProject;
let db: { password: string };
let jwt: string;

beforeAll(async () => {
  const { admin } = vault();
  project = createDevProject();
  // The README's dev-server steps: init.sh seeds random demo secrets under secret/saas-project/dev/.
  execFileSync('sh', ['vault/init.sh'], {
    cwd: join(import.meta.dirname, '../..'),
    env: {
      PATH: `${dirname(vaultBinaryPath())}:${process.env.PATH}`,
      HOME: project.home,
      VAULT_ADDR: vault().addr,
      VAULT_TOKEN: vault().rootToken,
      OUT_DIR: join(project.root, 'approle'),
      SEED_DEMO_SECRETS: 'true',
    },
    stdio: 'ignore',
  });
  db = (await admin.request('GET', 'secret/data/saas-project/dev/database')).body.data.data;
  rememberSecret(db.password);
  jwt = rememberSecret(
    (await admin.request('GET', 'secret/data/saas-project/dev/jwt')).body.data.data.secret,
  );
  await admin.writePolicy('developer', appPolicy(['secret/data/saas-project/dev/*']));
  await admin.request('POST', 'sys/auth/userpass', { type: 'userpass' });
  await admin.request('POST', 'auth/userpass/users/dev', { password, token_policies: ['developer'] });
  for (const file of ['server.js', 'vault-exec.yaml'])
    copyFileSync(join(example, file), join(project.repo, file));
});
afterAll(() => {
  killAllStarted();
  project.remove();
});

const shell = (extra: Record<string, string> = {}) => project.env({ VAULT_ADDR: vault().addr, ...extra });

async function healthOf(
  extra: Record<string, string> = {},
): Promise<{ code: number | null; health: any; stderr: string }> {
  const port = new URL(await deadAddress()).port;
  const app = startCli(['run'], { env: shell({ PORT: port, ...extra }), cwd: project.repo });
  await app.waitForOutput(/listening/);
  const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
  app.kill('SIGTERM');
  const exit = await app.exited;
  return { code: exit.code, health, stderr: exit.stderr };
}

test('vault login, then vault-exec run with no flags gives the app its secrets from Vault', async () => {
  execFileSync(vaultBinaryPath(), ['login', '-method=userpass', 'username=dev', `password=${password}`], {
    env: shell(),
    stdio: 'ignore',
  });
  expect(existsSync(join(project.home, '.vault-token'))).toBe(true);

  const { code, health, stderr } = await healthOf();
  expect(code).toBe(0);
  expect(health.secrets.DB_PASSWORD).toEqual({ present: true, length: db.password.length });
  expect(health.secrets.JWT_SECRET).toEqual({ present: true, length: jwt.length });
  expect(health.envNames).not.toContain('VAULT_EXEC_FALLBACK');
  expect(stderr).toContain('with a token from ~/.vault-token');
  expect(stderr).toContain(`using the project file ${join(project.repo, 'vault-exec.yaml')}`);
});

test('with Vault down, the .env fallback starts the app in development and is refused in production', async () => {
  project.write('.env', `DB_PASSWORD=${secretValue('local')}\nJWT_SECRET=${secretValue('local-jwt')}\n`);
  const down = { VAULT_ADDR: await deadAddress(), VAULT_EXEC_WAIT_TIMEOUT: '1s' };

  const { health, stderr } = await healthOf(down);
  expect(health.envNames).toContain('VAULT_EXEC_FALLBACK');
  expect(health.secrets.JWT_SECRET.present).toBe(true);
  expect(stderr).toContain('warning: development fallback: starting the child with');

  const production = await runCli(['run'], {
    env: shell({ ...down, NODE_ENV: 'production' }),
    cwd: project.repo,
  });
  expect(production.code).toBe(64);
  expect(production.stdout).toBe('');
  expect(production.stderr).toMatch(/^vault-exec: refusing the \.env fallback: NODE_ENV="production"/);
});
