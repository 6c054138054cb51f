import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appPolicy, type LoginResult } from '../support/vault-admin';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();

// Each test provisions its own role so tests do not depend on each other's order or leftovers.
async function loginAsNewApp(): Promise<LoginResult & { secretPath: string }> {
  const { admin } = vault();
  const name = `app-${randomBytes(4).toString('hex')}`;
  const secretPath = `app/${name}`;
  await admin.enableAppRole();
  await admin.writePolicy(name, appPolicy(['secret/data/app/*']));
  const { roleId } = await admin.createRole(name, {
    policies: [name],
    tokenTtl: '60s',
    roleId: `${name}-role-id`,
  });
  expect(roleId).toBe(`${name}-role-id`);
  const { secretId } = await admin.createSecretId(name, { secretId: `${name}-secret-id` });
  expect(secretId).toBe(`${name}-secret-id`);
  await admin.writeKv2(secretPath, { password: `pw-${name}` });
  return { ...(await admin.login(roleId, secretId)), secretPath };
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function healthStatus(): Promise<number> {
  return (await vault().admin.request('GET', 'sys/health', undefined, '')).status;
}

describe('the Vault test harness', () => {
  it('starts a dev server whose sys/health answers 200', async () => {
    const { status, body } = await vault().admin.request('GET', 'sys/health', undefined, '');
    expect(status).toBe(200);
    expect(body).toMatchObject({ initialized: true, sealed: false, standby: false });
  });

  it('logs in with AppRole and reads a KV v2 secret with the issued token', async () => {
    const login = await loginAsNewApp();
    expect(login.leaseDuration).toBe(60);
    expect(login.renewable).toBe(true);

    const read = await vault().admin.request(
      'GET',
      `secret/data/${login.secretPath}`,
      undefined,
      login.token,
    );
    expect(read.status).toBe(200);
    expect(read.body.data.data.password).toMatch(/^pw-app-/);
  });

  it('denies reads with a token that was revoked by accessor', async () => {
    const { admin } = vault();
    const login = await loginAsNewApp();
    await admin.revokeAccessor(login.accessor);

    const read = await admin.request('GET', `secret/data/${login.secretPath}`, undefined, login.token);
    expect(read.status).toBe(403);
    expect(read.body.errors.join('\n')).toContain('permission denied');
    expect((await admin.lookupAccessor(login.accessor)).status).not.toBe(200);
  });

  it('reports 503 while sealed and 200 again after unsealing with the banner key', async () => {
    const { admin, unsealKey } = vault();
    await admin.seal();
    await eventually(async () => (await healthStatus()) === 503, 'sys/health reports sealed');

    await admin.unseal(unsealKey);
    await eventually(async () => (await healthStatus()) === 200, 'sys/health reports active');
  });

  it('loses AppRole tokens on restart while the fixed root token keeps working', async () => {
    const server = vault();
    const login = await loginAsNewApp();
    const oldKey = server.unsealKey;

    await server.restart();

    const read = await server.admin.request('GET', `secret/data/${login.secretPath}`, undefined, login.token);
    expect(read.status).toBe(403);
    const self = await server.admin.request('GET', 'auth/token/lookup-self');
    expect(self.status).toBe(200);
    expect(self.body.data.id).toBe(server.rootToken);
    expect(server.unsealKey).not.toBe(oldKey);
  });
});
