// Leased secrets, without a database: with -dev-leased-kv the dev server mounts secret/ as a KV v1
// store whose reads return real, renewable leases (ttl from the secret's "ttl" key).
import { afterEach, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, provisionApp, secretValue } from '../support/app-role';
import { rememberSecret } from '../support/leak-scan';
import { fixture, isPidAlive, killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer({ extraArgs: ['-dev-leased-kv'] });
afterEach(() => killAllStarted());

const renewedLease = /renewed the lease of secret\/leased for 3 s/g;

/** The leases Vault still holds for a path, as the operator sees them. */
async function leasesOf(path: string): Promise<string[]> {
  const response = await vault().admin.request('GET', `sys/leases/lookup/${path}/?list=true`);
  return response.status === 200 ? (response.body.data.keys as string[]) : [];
}

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
  // The old lease is revoked once its child has exited, not left to run out; only the new one is held.
  await waitFor(async () => (await leasesOf('secret/short')).length === 1, {
    timeoutMs: 5_000,
    message: `the superseded lease was not revoked; stderr:\n${running.stderr()}`,
  });
  expect(running.stderr()).toContain('revoked the lease of secret/short');
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  await waitFor(async () => (await leasesOf('secret/short')).length === 0, {
    timeoutMs: 5_000,
    message: 'a lease outlived vault-exec',
  });
});

test('keeps the child running while fresh secrets cannot be read, and exits 75 when the lease expires', async () => {
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
  // Make-before-break: the child was only stopped once the lease had run out, never for the restart.
  expect(exit.stderr).toMatch(
    /could not read fresh secrets before the old ones expired \(.*\): secret not found/,
  );
  expect(exit.stdout.match(/^READY$/gm)).toHaveLength(1);
  expect(exit.stderr).not.toContain('restarting the child');
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

test('a lease reaching its max TTL is replaced alone: the still-valid lease of another path is kept', async () => {
  // Two leased mounts (the dev server leases every KV mount): one ending soon, one for an hour.
  await vault().admin.enableKv('lasting', 1);
  await vault().admin.tuneMount('lasting', { max_lease_ttl: '1h' });
  await vault().admin.tuneMount('secret', { max_lease_ttl: '4s' });
  const kept = secretValue('kept-password');
  await vault().admin.writeKv1('lasting', 'kept', { password: kept, ttl: '1h' });
  await vault().admin.writeKv1('secret', 'ending', { password: secretValue('ending-password'), ttl: '2s' });
  const app = await provisionApp(vault(), { readPaths: ['lasting/kept', 'secret/ending'] });
  const running = startCli(
    [
      '--kill-timeout',
      '2s',
      '--secret',
      'KEPT=lasting/kept#password',
      '--secret',
      'ENDING=secret/ending#password',
      '--',
      'node',
      fixture('print-env.mjs'),
      '--wait',
    ],
    { env: cliEnv(vault(), app) },
  );
  await running.waitForOutput('READY');
  const [lease] = await leasesOf('lasting/kept');
  await waitFor(() => (running.stdout().match(/^READY$/gm)?.length ?? 0) >= 2, {
    timeoutMs: 15_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  const envs = running
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('ENV '))
    .map((line) => JSON.parse(line.slice(4)) as Record<string, string>);
  expect(envs.map((env) => env.KEPT)).toEqual([kept, kept]);
  expect(running.stderr()).toContain('read 2 secrets from 2 paths (1 read again, 1 kept)');
  expect(await leasesOf('lasting/kept')).toEqual([lease]);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  await waitFor(async () => (await leasesOf('lasting/kept')).length === 0, {
    timeoutMs: 5_000,
    message: 'the kept lease outlived vault-exec',
  });
});

test('with a token you supplied, the leases it read are revoked at exit and the token is kept', async () => {
  await vault().admin.tuneMount('secret', { max_lease_ttl: '1h' });
  await vault().admin.writeKv1('secret', 'yours', { password: secretValue('yours-password'), ttl: '1h' });
  const app = await provisionApp(vault(), { readPaths: ['secret/yours'] });
  const created = await vault().admin.request('POST', 'auth/token/create', {
    policies: [app.role],
    ttl: '10m',
  });
  const token = rememberSecret(String(created.body.auth.client_token));
  const env = cliEnv(vault(), undefined, { VAULT_TOKEN: token });
  const secret = ['--secret', 'PASSWORD=secret/yours#password'];

  const running = startCli([...secret, '--', 'node', fixture('print-env.mjs'), '--wait'], { env });
  await running.waitForOutput('READY');
  expect(await leasesOf('secret/yours')).toHaveLength(1);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  expect(await leasesOf('secret/yours')).toEqual([]);

  // vault-exec check reads the same way, and gives its lease back too.
  const checked = await runCli(['check', ...secret], { env });
  expect(checked.code).toBe(0);
  expect(await leasesOf('secret/yours')).toEqual([]);
  expect((await vault().admin.request('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(200);
});
