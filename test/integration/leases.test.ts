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
  const running = startCli(
    ['--secret', 'PASSWORD=secret/leased#password', '--', 'node', fixture('print-env.mjs'), '--wait'],
    { env: cliEnv(vault(), app) },
  );
  await running.waitForOutput('READY');
  expect(childEnvFrom(running.stdout()).PASSWORD).toBe(password);
  await waitFor(() => (running.stderr().match(renewedLease)?.length ?? 0) >= 3, {
    timeoutMs: 15_000,
    message: 'fewer than 3 lease renewals',
  });
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('restarts the child with fresh secrets when a lease reaches its max TTL', async () => {
  await vault().admin.writeKv1('secret', 'short', { password: secretValue('short-password'), ttl: '2s' });
  await vault().admin.tuneMount('secret', { max_lease_ttl: '4s' });
  const app = await provisionApp(vault(), { readPaths: ['secret/short'] });
  const running = startCli(
    [
      '--kill-timeout',
      '2s',
      '--secret',
      'PASSWORD=secret/short#password',
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    { env: cliEnv(vault(), app) },
  );
  await waitFor(() => (running.stdout().match(/^READY$/gm)?.length ?? 0) >= 2, {
    timeoutMs: 15_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  const pids = [...running.stdout().matchAll(/^PID (\d+)$/gm)].map((match) => Number(match[1]));
  expect(new Set(pids).size).toBeGreaterThanOrEqual(2);
  expect(isPidAlive(pids[0]!)).toBe(false);
  expect(running.stderr()).toContain(
    'restarting the child: the lease of secret/short is reaching its max TTL',
  );
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('exits 75 when the fresh secrets for a restart cannot be read', async () => {
  await vault().admin.writeKv1('secret', 'vanishing', {
    password: secretValue('vanishing-password'),
    ttl: '2s',
  });
  await vault().admin.tuneMount('secret', { max_lease_ttl: '4s' });
  const app = await provisionApp(vault(), { readPaths: ['secret/vanishing'] });
  const running = startCli(
    [
      '--kill-timeout',
      '2s',
      '--secret',
      'PASSWORD=secret/vanishing#password',
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    { env: cliEnv(vault(), app) },
  );
  await running.waitForOutput('READY');
  await vault().admin.request('DELETE', 'secret/vanishing');
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(exit.stderr).toMatch(
    /restarting the child with fresh secrets failed: secret not found: secret\/vanishing/,
  );
});

test('restarts the child when the token is replaced at its max TTL, since leases end with the old token', async () => {
  await vault().admin.tuneMount('secret', { max_lease_ttl: '1h' });
  await vault().admin.writeKv1('secret', 'long', { password: secretValue('long-password'), ttl: '1h' });
  const app = await provisionApp(vault(), { readPaths: ['secret/long'], tokenTtl: '2s', tokenMaxTtl: '4s' });
  const running = startCli(
    [
      '--kill-timeout',
      '2s',
      '--secret',
      'PASSWORD=secret/long#password',
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    { env: cliEnv(vault(), app) },
  );
  await waitFor(() => (running.stdout().match(/^READY$/gm)?.length ?? 0) >= 2, {
    timeoutMs: 15_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  expect(running.stderr()).toContain(
    'restarting the child: the token was replaced at its max TTL, and the leases read with the old token end with it',
  );
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});
