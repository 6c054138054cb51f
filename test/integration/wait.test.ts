import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { createDevProject } from '../support/dev-project';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { fixture, killAllStarted, runCli, startCli } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
let proxy: FaultProxy;

beforeAll(async () => {
  app = await provisionApp(vault(), { readPaths: [] });
  proxy = await startFaultProxy({ upstreamPort: vault().port });
});
afterAll(() => proxy.close());
afterEach(async () => {
  killAllStarted();
  await proxy.setMode({ kind: 'pass' });
});

const viaProxy = () => cliEnv(vault(), app, { VAULT_ADDR: proxy.url });

test('waits while Vault refuses connections, then runs the child once it is reachable', async () => {
  await proxy.setMode({ kind: 'refuse' });
  const running = startCli(['--wait-timeout', '30s', '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: viaProxy(),
  });
  await running.waitForOutput(/attempt 3,/, { stream: 'stderr' });
  await proxy.setMode({ kind: 'pass' });
  const exit = await running.exited;
  expect(exit.code).toBe(0);
  expect(exit.stderr).toMatch(
    new RegExp(`waiting for Vault at ${proxy.url}: connection refused \\(attempt 1, \\d+ ms of 30 s\\)`),
  );
  expect(exit.stderr).toMatch(/Vault at .* is ready after/);
});

test('exits 69 after --wait-timeout when Vault never answers, naming the address and the last reason', async () => {
  await proxy.setMode({ kind: 'refuse' });
  const started = Date.now();
  const result = await runCli(['--wait-timeout', '2s', '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: viaProxy(),
  });
  const elapsed = Date.now() - started;
  expect(result.code).toBe(69);
  expect(elapsed).toBeGreaterThanOrEqual(2_000);
  expect(elapsed).toBeLessThan(10_000);
  expect(result.stderr.trim().split('\n').at(-1)).toBe(
    `vault-exec: Vault at ${proxy.url} was not ready within 2 s (last: connection refused); check VAULT_ADDR, that Vault runs and is unsealed, or raise --wait-timeout`,
  );
});

test('counts a connection that is never answered as "not ready" and keeps waiting', async () => {
  await proxy.setMode({ kind: 'hold' });
  const result = await runCli(['--wait-timeout', '3s', '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: viaProxy(),
  });
  expect(result.code).toBe(69);
  expect(result.stderr).toMatch(/no answer within/);
});

test('waits while Vault is sealed and runs the child after it is unsealed', async () => {
  await vault().admin.seal();
  try {
    const running = startCli(['--wait-timeout', '30s', '--', 'node', fixture('exit-with.mjs'), '0'], {
      env: cliEnv(vault(), app),
    });
    await running.waitForOutput('sealed (503)', { stream: 'stderr' });
    await vault().admin.unseal(vault().unsealKey);
    const exit = await running.exited;
    expect(exit.code, exit.stderr).toBe(0);
  } finally {
    await vault()
      .admin.unseal(vault().unsealKey)
      .catch(() => {});
  }
});

test('--wait-timeout 0 looks once: a ready Vault is used, with one probe under the full request timeout', async () => {
  // A probe that takes longer than "no time at all" must still count: 0 means "do not wait", not "give up".
  await proxy.setMode({ kind: 'delay', ms: 300 });
  proxy.resetRequests();
  const result = await runCli(['--wait-timeout', '0', '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: viaProxy(),
  });
  expect(result.code, result.stderr).toBe(0);
  expect(proxy.requests().filter((request) => request.path === '/v1/sys/health')).toHaveLength(1);
  expect(result.stderr).not.toContain('waiting for Vault');
});

test('--wait-timeout 0 with Vault down fails after that one look, naming the reason', async () => {
  await proxy.setMode({ kind: 'refuse' });
  const result = await runCli(['--wait-timeout', '0', '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: viaProxy(),
  });
  expect(result.code).toBe(69);
  expect(result.stderr.trim().split('\n').at(-1)).toMatch(
    /^vault-exec: Vault at \S+ was not ready \(looked once, as --wait-timeout is 0; last: connection refused\)/,
  );
});

test('--wait-timeout 0 with a .env fallback uses Vault while Vault is up', async () => {
  const project = createDevProject();
  try {
    const secret = secretValue('wait-zero');
    await vault().admin.writeKv2('wait/zero', { value: secret });
    project.write('.env', 'FROM_VAULT=from-the-env-file\n');
    project.write('../home/.vault-token', vault().rootToken);
    const result = await runCli(
      [
        'run',
        '--wait-timeout',
        '0',
        '--fallback-env',
        '.env',
        '--secret',
        'FROM_VAULT=secret/wait/zero#value',
        '--',
        'node',
        fixture('print-env.mjs'),
      ],
      { env: project.env({ VAULT_ADDR: proxy.url }), cwd: project.repo },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(childEnvFrom(result.stdout).FROM_VAULT).toBe(secret);
    expect(result.stderr).not.toContain('fallback');
  } finally {
    project.remove();
  }
});
