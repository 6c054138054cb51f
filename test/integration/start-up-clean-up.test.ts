// One start-up for run, check and env, and one ledger of what it obtained: what each command leaves
// behind in Vault when it succeeds, fails, or is stopped by a signal half-way.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { rememberSecret } from '../support/leak-scan';
import { killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

// -dev-leased-kv: secret/ is a KV v1 store whose reads return real leases, like dynamic credentials.
const vault = useVaultServer({ extraArgs: ['-dev-leased-kv'] });
let app: AppCredentials;
let proxy: FaultProxy;
const big = rememberSecret(randomBytes(150_000).toString('base64').slice(0, 200_000));

beforeAll(async () => {
  await vault().admin.writeKv1('secret', 'cleanup/leased', { password: secretValue('leased'), ttl: '1h' });
  await vault().admin.writeKv1('secret', 'cleanup/big', { value: big });
  await vault().admin.writeKv1('secret', 'cleanup/nul', { value: `${secretValue('nul')}\u0000x` });
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
    /env: left the dynamic credentials it printed \(secret\/cleanup\/leased\) valid for the next steps: nothing renews them, the login's token expires in 10 m/,
  );
});

// env with nothing leased still revokes its token: env.test.ts (this server leases every KV read).

test.each([['check'], ['env']])(
  'SIGTERM while %s reads a secret exits 143 and revokes the token it logged in for',
  async (command) => {
    const before = await tokensOfRole();
    await proxy.setMode({ kind: 'hold', paths: /cleanup\/leased/ });
    const running = startCli([command, '--secret', 'PW=secret/cleanup/leased#password'], {
      env: cliEnv(vault(), app, { VAULT_ADDR: proxy.url }),
    });
    await waitFor(() => proxy.requests().some((request) => request.path.includes('cleanup/leased')), {
      timeoutMs: 10_000,
      message: 'no read',
    });
    running.kill('SIGTERM');
    const exit = await running.exited;
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
