// One start-up for run, check and env, and one ledger of what it obtained: what each command leaves
// behind in Vault when it succeeds, fails, or is stopped by a signal half-way.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { createDeveloperToken } from '../support/dev-project';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { rememberSecret } from '../support/leak-scan';
import { killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import { appPolicy } from '../support/vault-admin';
import { useVaultServer } from '../support/vault-server';

// -dev-leased-kv: secret/ is a KV v1 store whose reads return real leases, like dynamic credentials.
const vault = useVaultServer({ extraArgs: ['-dev-leased-kv'] });
let app: AppCredentials;
let proxy: FaultProxy;
let ownToken: string;
const big = rememberSecret(randomBytes(150_000).toString('base64').slice(0, 200_000));

beforeAll(async () => {
  await vault().admin.writeKv1('secret', 'cleanup/leased', { password: secretValue('leased'), ttl: '1h' });
  await vault().admin.writeKv1('secret', 'cleanup/big', { value: big });
  await vault().admin.writeKv1('secret', 'cleanup/nul', { value: `${secretValue('nul')}\u0000x` });
  await vault().admin.writeKv1('secret', 'cleanup/late', { password: secretValue('late'), ttl: '1h' });
  for (const name of ['a', 'b', 'c'])
    await vault().admin.writeKv1('secret', `cleanup/many/${name}`, { v: secretValue(name), ttl: '1h' });
  // A developer's own token: vault-exec never revokes it, so it revokes each lease it read instead.
  await vault().admin.writePolicy(
    'cleanup-developer',
    [
      'path "secret/cleanup/*" { capabilities = ["read"] }',
      'path "sys/leases/revoke" { capabilities = ["update"] }',
      'path "auth/token/lookup-self" { capabilities = ["read"] }',
    ].join('\n'),
  );
  ownToken = rememberSecret(await createDeveloperToken(vault().admin, 'cleanup-developer'));
  app = await provisionApp(vault(), { readPaths: ['secret/cleanup/*'] });
  proxy = await startFaultProxy({ upstreamPort: Number(new URL(vault().addr).port) });
});
afterEach(async () => {
  killAllStarted();
  await proxy.setMode({ kind: 'pass' });
  proxy.resetRequests();
});
afterAll(() => proxy.close());

/** The tokens Vault holds for the app's role, as an operator sees them. */
async function tokensOfRole(): Promise<number> {
  const list = await vault().admin.request('GET', 'auth/token/accessors?list=true');
  let count = 0;
  for (const accessor of list.body.data.keys as string[]) {
    const lookup = await vault().admin.lookupAccessor(accessor);
    if (lookup.body?.data?.meta?.role_name === app.role) count++;
  }
  return count;
}

async function leasesOf(path: string): Promise<string[]> {
  const response = await vault().admin.request('GET', `sys/leases/lookup/${path}/?list=true`);
  return response.status === 200 ? (response.body.data.keys as string[]) : [];
}

/** Vault revokes a revoked token's leases in the background: wait for them to go. */
async function waitForNoLeases(path: string): Promise<void> {
  let left: string[] = [];
  await waitFor(async () => (left = await leasesOf(path)).length === 0, {
    timeoutMs: 10_000,
    message: `leases of ${path} still held`,
  }).catch(() => expect(left, path).toEqual([]));
}

test('env leaves the leased values it printed valid for the next step, and says until when', async () => {
  const result = await runCli(['env', '--secret', 'PW=secret/cleanup/leased#password'], {
    env: cliEnv(vault(), app),
  });
  expect(result.code, result.stderr).toBe(0);
  expect(await leasesOf('secret/cleanup/leased')).toHaveLength(1);
  expect(
    result.stderr
      .split('\n')
      .filter((line) => line.startsWith('vault-exec:'))
      .join('\n'),
  ).toMatch(
    /env: left the dynamic credentials it printed \(secret\/cleanup\/leased\) valid for the next steps: nothing renews them, the login's token expires in (9 m 5\d s|10 m) and ends them with it/,
  );
});

// env with nothing leased still revokes its token: env.test.ts (this server leases every KV read).

/** Runs `command` through the proxy, and sends it SIGTERM once its read of `path` is on its way. */
async function stopWhileReading(command: 'check' | 'env', path: string) {
  const running = startCli([command, '--secret', `PW=${path}#password`], {
    env: cliEnv(vault(), app, { VAULT_ADDR: proxy.url }),
  });
  await waitFor(
    () => proxy.requests().some((request) => request.path.includes(path.replace(/^secret\//, ''))),
    {
      timeoutMs: 10_000,
      message: 'no read',
    },
  );
  running.kill('SIGTERM');
  return running.exited;
}

test.each([['check'], ['env']] as const)(
  'SIGTERM while %s reads a secret exits 143 and revokes the token it logged in for',
  async (command) => {
    const before = await tokensOfRole();
    await proxy.setMode({ kind: 'hold', paths: /cleanup\/leased/ });
    const exit = await stopWhileReading(command, 'secret/cleanup/leased');
    expect(exit.code).toBe(143);
    expect(await tokensOfRole()).toBe(before);
  },
);

test.each([
  ['a 200,000-byte value', 'secret/cleanup/big#value', /the child's variable V is 200003 bytes/],
  ['a NUL byte', 'secret/cleanup/nul#value', /the child's variable V .*NUL/],
])('check refuses %s with 65, as the start would', async (_, ref, line) => {
  const result = await runCli(['check', '--secret', `V=${ref}`], { env: cliEnv(vault(), app) });
  expect(result.code).toBe(65);
  expect(
    result.stderr
      .split('\n')
      .filter((line) => line.startsWith('vault-exec:'))
      .at(-1),
  ).toMatch(line);
});

test('env --format shell refuses a 200,000-byte value with 65 and prints nothing', async () => {
  const result = await runCli(['env', '--format', 'shell', '--secret', 'V=secret/cleanup/big#value'], {
    env: cliEnv(vault(), app),
  });
  expect(result.code).toBe(65);
  expect(result.stdout).toBe('');
});

test('SIGTERM while env reads a secret that still arrives prints nothing and keeps nothing', async () => {
  const before = await tokensOfRole();
  // The read reaches Vault half a second late, well inside the second the clean-up waits for it.
  await proxy.setMode({ kind: 'delay', ms: 500, paths: /cleanup\/late/ });
  const exit = await stopWhileReading('env', 'secret/cleanup/late');
  expect(exit.code).toBe(143);
  expect(exit.stdout).toBe('');
  expect(await tokensOfRole()).toBe(before);
  await waitForNoLeases('secret/cleanup/late');
});

test('a failed start-up with your own token revokes each lease it read, one by one', async () => {
  // The missing path fails at once, while the three leased reads are on their way (the wait for reads
  // in flight is unit-tested in test/unit/vault/secrets.test.ts).
  await proxy.setMode({ kind: 'delay', ms: 300, paths: /cleanup\/many/ });
  const result = await runCli(
    [
      'check',
      '--secret',
      'X=secret/cleanup/missing#key',
      ...['a', 'b', 'c'].flatMap((name) => [
        '--secret',
        `${name.toUpperCase()}=secret/cleanup/many/${name}#v`,
      ]),
    ],
    { env: cliEnv(vault(), undefined, { VAULT_ADDR: proxy.url, VAULT_TOKEN: ownToken }) },
  );
  expect(result.code, result.stderr).toBe(78);
  for (const name of ['a', 'b', 'c']) await waitForNoLeases(`secret/cleanup/many/${name}`);
});

test('check with a batch token, which cannot revoke itself, revokes each lease it read', async () => {
  await vault().admin.writeKv1('secret', 'cleanup/batch', { v: secretValue('batch'), ttl: '1h' });
  const role = `batch-${randomBytes(3).toString('hex')}`;
  await vault().admin.writePolicy(role, appPolicy(['secret/cleanup/*']));
  const { roleId } = await vault().admin.createRole(role, { policies: [role], tokenType: 'batch' });
  const { secretId } = await vault().admin.createSecretId(role);
  const result = await runCli(['check', '--secret', 'V=secret/cleanup/batch#v'], {
    env: cliEnv(vault(), { role, roleId: rememberSecret(roleId), secretId: rememberSecret(secretId) }),
  });
  expect(result.code, result.stderr).toBe(0);
  await waitForNoLeases('secret/cleanup/batch');
});
