import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, revokeTokensOfRole } from '../support/app-role';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { fixture, isPidAlive, killAllStarted, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy({ upstreamPort: vault().port });
});
afterAll(() => proxy.close());
afterEach(async () => {
  killAllStarted();
  await proxy.setMode({ kind: 'pass' });
});

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0;

async function startSupervised(options: {
  tokenTtl: string;
  tokenMaxTtl: string;
  secretIdNumUses?: number;
  viaProxy?: boolean;
}) {
  const app = await provisionApp(vault(), { readPaths: [], ...options });
  const env = cliEnv(vault(), app, options.viaProxy ? { VAULT_ADDR: proxy.url } : {});
  const running = startCli(
    ['--log-level', 'debug', '--kill-timeout', '2s', '--', 'node', fixture('ready-then-wait.mjs')],
    { env },
  );
  const pid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
  await running.waitForOutput('READY');
  return { app, running, pid };
}

test('keeps a child running across many lifetimes of a 2-second token', async () => {
  const { running, pid } = await startSupervised({ tokenTtl: '2s', tokenMaxTtl: '1h' });
  await waitFor(() => count(running.stderr(), /renewed the token for 2 s/) >= 5, {
    timeoutMs: 15_000,
    message: 'fewer than 5 renewals',
  });
  expect(isPidAlive(pid)).toBe(true);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('stops the child and exits 75 when the token is revoked mid-run', async () => {
  const { app, running, pid } = await startSupervised({ tokenTtl: '3s', tokenMaxTtl: '1h' });
  expect(await revokeTokensOfRole(vault(), app.role)).toBe(1);
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(exit.stdout).toContain('SIGNAL SIGTERM');
  expect(exit.stderr).toContain(
    'renewing the token was refused: permission denied; invalid token (HTTP 403); stopping the child',
  );
  expect(isPidAlive(pid)).toBe(false);
});

test('logs in again when the token reaches its max TTL, and the child keeps running', async () => {
  const { running, pid } = await startSupervised({ tokenTtl: '2s', tokenMaxTtl: '4s' });
  await waitFor(() => count(running.stderr(), /replaced the token before it expired/) >= 2, {
    timeoutMs: 20_000,
    message: 'fewer than 2 re-logins',
  });
  expect(running.stderr()).toMatch(/the token was renewed for \d s, less than asked: its max TTL is near/);
  expect(isPidAlive(pid)).toBe(true);
  expect(running.stdout()).not.toContain('SIGNAL');
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('exits 75 when the re-login at max TTL is refused because the secret_id was single-use', async () => {
  const { running } = await startSupervised({ tokenTtl: '2s', tokenMaxTtl: '3s', secretIdNumUses: 1 });
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(exit.stderr).toMatch(
    /replacing the token was refused: AppRole login rejected .*invalid role or secret ID/,
  );
});

test('exits 75 when Vault stays unreachable until the token expires, without a hot retry loop', async () => {
  const { running } = await startSupervised({ tokenTtl: '4s', tokenMaxTtl: '1h', viaProxy: true });
  await proxy.setMode({ kind: 'refuse' });
  const refusedAt = Date.now();
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(exit.stderr).toMatch(
    /renewing the token failed until the token expired \(last: connection refused\); stopping the child/,
  );
  expect(count(exit.stderr, /retrying in/)).toBeLessThanOrEqual(5);
  expect(Date.now() - refusedAt).toBeLessThan(15_000);
});

test('rides out a burst of 5xx answers to renewal without disturbing the child', async () => {
  const { running, pid } = await startSupervised({ tokenTtl: '3s', tokenMaxTtl: '1h', viaProxy: true });
  await proxy.setMode({ kind: 'http-status', status: 503, paths: /renew-self/, times: 1 });
  await waitFor(() => /retrying in/.test(running.stderr()), {
    timeoutMs: 10_000,
    message: 'no retry logged',
  });
  const renewalsBefore = count(running.stderr(), /renewed the token for 3 s/);
  await waitFor(() => count(running.stderr(), /renewed the token for 3 s/) > renewalsBefore, {
    timeoutMs: 10_000,
    message: 'no renewal after the burst',
  });
  expect(isPidAlive(pid)).toBe(true);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('counts the TTL from the login: 3.5 s of slow reads do not let a 6-second token expire', async () => {
  await vault().admin.writeKv2('renewal/slow', { value: 'x' });
  const app = await provisionApp(vault(), {
    readPaths: ['secret/data/renewal/*'],
    tokenTtl: '6s',
    tokenMaxTtl: '1h',
  });
  // The login answers at once; the mount lookup and the read each take 1.75 s.
  await proxy.setMode({ kind: 'delay', ms: 1_750, paths: /renewal\/slow/ });
  const running = startCli(
    ['--secret', 'V=secret/renewal/slow#value', '--', 'node', fixture('ready-then-wait.mjs')],
    { env: cliEnv(vault(), app, { VAULT_ADDR: proxy.url }) },
  );
  await running.waitForOutput('READY', { timeoutMs: 15_000 });
  // Planned from the child's start, the first renewal came 7.5 s after the login: too late.
  await waitFor(() => count(running.stderr(), /renewed the token for 6 s/) >= 2, {
    timeoutMs: 15_000,
    message: 'the token was not renewed twice',
  });
  expect(running.stderr()).not.toMatch(/expired|exits? 75/);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});
