// Leased secrets, without a database: with -dev-leased-kv the dev server mounts secret/ as a KV v1
// store whose reads return real, renewable leases (ttl from the secret's "ttl" key).
import { afterEach, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, provisionApp, secretValue } from '../support/app-role';
import { fixture, isPidAlive, killAllStarted, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer({ extraArgs: ['-dev-leased-kv'] });
afterEach(() => killAllStarted());

const renewedLease = /renewed the lease of secret\/leased for 3 s/g;

test('renews a leased secret before it expires and keeps the child running', async () => {
  const password = secretValue('leased-password');
  await vault().admin.writeKv1('secret', 'leased', { password, ttl: '3s' });
  const app = await provisionApp(vault(), { readPaths: ['secret/leased'] });
  const running = startCli(['--secret', 'PASSWORD=secret/leased#password', '--', 'node', fixture('print-env.mjs'), '--wait'], { env: cliEnv(vault(), app) });
  await running.waitForOutput('READY');
  expect(childEnvFrom(running.stdout()).PASSWORD).toBe(password);
  await waitFor(() => (running.stderr().match(renewedLease)?.length ?? 0) >= 3, { timeoutMs: 15_000, message: 'fewer than 3 lease renewals' });
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('stops the child and exits 75 when a lease reaches its max TTL and cannot be replaced', async () => {
  await vault().admin.writeKv1('secret', 'short', { password: secretValue('short-password'), ttl: '2s' });
  await vault().admin.tuneMount('secret', { max_lease_ttl: '4s' });
  const app = await provisionApp(vault(), { readPaths: ['secret/short'] });
  const running = startCli(['--kill-timeout', '2s', '--secret', 'PASSWORD=secret/short#password', '--', 'node', fixture('ready-then-wait.mjs')], { env: cliEnv(vault(), app) });
  const pid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(exit.stderr).toMatch(/the lease of secret\/short (expired and cannot be renewed or replaced|.*refused)/);
  expect(isPidAlive(pid)).toBe(false);
});
