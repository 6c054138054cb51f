// --metrics-addr during real runs: the scrape (checked by promtool) and the probes at each step of a
// run's life: a token renewal, a re-login at max TTL, a --watch restart and its swap, a restart that
// could not be prepared, and a renewal failure (/readyz 503 before exit 75). Every answer joins the
// leak scan; the listener is gone once vault-exec has exited, however it exits. The database lease is in
// database-metrics.test.ts.
import { afterEach, expect, test } from 'vitest';
import { cliEnv, provisionApp, revokeTokensOfRole, secretValue } from '../support/app-role';
import { fixture, killAllStarted, startCli, waitFor, type Running } from '../support/processes';
import { excerpt, get, metricsAddress, readyz, sample, scrape } from '../support/scrape';
import { appPolicy } from '../support/vault-admin';
import { freeLoopbackPort, useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
afterEach(() => killAllStarted());

const figure = (step: string, text: string, names: string[]) =>
  process.stdout.write(`[figure] scrape ${step}:\n${excerpt(text, names)}\n`);

function start(env: NodeJS.ProcessEnv, flags: string[], childEnv: Record<string, string> = {}): Running {
  return startCli(
    [
      '--metrics-addr',
      '0',
      '--log-format',
      'json',
      '--kill-timeout',
      '2s',
      ...flags,
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    { env: { ...env, ...childEnv } },
  );
}

async function expectListenerClosed(address: string): Promise<void> {
  await expect(get(address, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
}

test('a token renewal and a re-login at max TTL move the token gauges and counters; the child is untouched', async () => {
  const app = await provisionApp(vault(), { readPaths: [], tokenTtl: '2s', tokenMaxTtl: '5s' });
  const running = start(cliEnv(vault(), app), []);
  const address = await metricsAddress(running);
  await running.waitForOutput('READY');
  const first = await scrape(address);
  figure('after start-up', first, [
    'vault_exec_token_expiry',
    'vault_exec_logins_total',
    'vault_exec_child_up',
    'vault_exec_vault_requests_total',
  ]);
  expect(sample(first, 'vault_exec_logins_total', { method: 'approle', result: 'success' })).toBe(1);
  expect(sample(first, 'vault_exec_child_up')).toBe(1);
  expect(sample(first, 'vault_exec_vault_requests_total', { operation: 'health', code: '200' })).toBe(1);
  expect(sample(first, 'vault_exec_vault_requests_total', { operation: 'login', code: '200' })).toBe(1);
  const expiry = sample(first, 'vault_exec_token_expiry_timestamp_seconds')!;
  expect(Math.abs(expiry - (Date.now() / 1000 + 2))).toBeLessThanOrEqual(2);
  expect((await get(address, '/healthz')).status).toBe(200);
  expect(await readyz(address)).toBe(200);

  let renewed = '';
  await waitFor(
    async () =>
      (sample((renewed = await scrape(address)), 'vault_exec_renewals_total', {
        kind: 'token',
        result: 'success',
      }) ?? 0) >= 1,
    {
      timeoutMs: 10_000,
      message: `no renewal counted; stderr:\n${running.stderr()}`,
    },
  );
  figure('after a renewal', renewed, [
    'vault_exec_token_expiry',
    'vault_exec_renewals_total',
    'vault_exec_vault_requests_total{operation="renew"',
  ]);
  expect(
    sample(renewed, 'vault_exec_vault_requests_total', { operation: 'renew', code: '200' }),
  ).toBeGreaterThanOrEqual(1);

  let relogged = '';
  await waitFor(
    async () =>
      (sample((relogged = await scrape(address)), 'vault_exec_logins_total', {
        method: 'approle',
        result: 'success',
      }) ?? 0) >= 2,
    {
      timeoutMs: 15_000,
      message: `no re-login counted; stderr:\n${running.stderr()}`,
    },
  );
  figure('after a re-login at max TTL', relogged, [
    'vault_exec_token_expiry',
    'vault_exec_logins_total',
    'vault_exec_child_starts_total',
    'vault_exec_child_restarts_total',
  ]);
  expect(sample(relogged, 'vault_exec_token_expiry_timestamp_seconds')).toBeGreaterThan(expiry);
  // No leases, no --pass-token: a new token is no reason to restart the child.
  expect(sample(relogged, 'vault_exec_child_starts_total')).toBe(1);
  expect(await readyz(address)).toBe(200);
  expect(running.stderr()).toContain('"event":"relogin"');

  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  await expectListenerClosed(address);
});

test('a --watch restart: /readyz is 503 during the swap, then the counters show one restart for a changed secret', async () => {
  await vault().admin.writeKv2('metrics/watched', { value: secretValue('watched-one') });
  const app = await provisionApp(vault(), {
    readPaths: ['secret/data/metrics/*', 'secret/metadata/metrics/*'],
  });
  // The old child ignores SIGTERM for the kill timeout (2 s): the swap lasts long enough to probe.
  const running = start(
    cliEnv(vault(), app),
    ['--watch', '300ms', '--secret', 'VALUE=secret/metrics/watched#value'],
    {
      KEEP_RUNNING_ON: 'SIGTERM',
    },
  );
  const address = await metricsAddress(running);
  await running.waitForOutput('READY');
  await waitFor(
    async () =>
      (sample(await scrape(address), 'vault_exec_secret_checks_total', { result: 'unchanged' }) ?? 0) >= 1,
  );
  const before = await scrape(address);
  const readAt = sample(before, 'vault_exec_last_secret_read_timestamp_seconds')!;

  await vault().admin.writeKv2('metrics/watched', { value: secretValue('watched-two') });
  await running.waitForOutput('SIGNAL SIGTERM');
  expect(await readyz(address)).toBe(503);
  const swapping = await scrape(address);
  figure('during the swap (/readyz 503)', swapping, [
    'vault_exec_secret_checks_total',
    'vault_exec_secret_changes_total',
    'vault_exec_child_restarts_total',
    'vault_exec_child_up',
  ]);
  expect(sample(swapping, 'vault_exec_child_restarts_total', { reason: 'secret-changed' })).toBe(1);

  await waitFor(() => running.stdout().split('READY').length > 2, { timeoutMs: 10_000 });
  await waitFor(async () => (await readyz(address)) === 200, { timeoutMs: 5_000 });
  const after = await scrape(address);
  figure('after the restart', after, [
    'vault_exec_child_starts_total',
    'vault_exec_child_restarts_total',
    'vault_exec_secret_changes_total',
    'vault_exec_last_secret_read',
  ]);
  expect(sample(after, 'vault_exec_child_starts_total')).toBe(2);
  expect(sample(after, 'vault_exec_child_up')).toBe(1);
  expect(sample(after, 'vault_exec_secret_changes_total')).toBeGreaterThanOrEqual(1);
  expect(sample(after, 'vault_exec_secret_checks_total', { result: 'changed' })).toBeGreaterThanOrEqual(1);
  expect(sample(after, 'vault_exec_last_secret_read_timestamp_seconds')).toBeGreaterThanOrEqual(readAt);
  expect(sample(after, 'vault_exec_restart_failures_total')).toBe(0);
  expect(running.stderr()).toContain('"event":"restart"');

  running.kill('SIGTERM');
  await running.waitForOutput(/SIGNAL SIGTERM\n(.*\n)*SIGNAL SIGTERM/);
  await running.exited;
  await expectListenerClosed(address);
});

test('a restart that cannot be prepared counts a failure, and the old child stays up and ready', async () => {
  await vault().admin.writeKv2('metrics/denied', { value: secretValue('denied-one') });
  const paths = ['secret/data/metrics/*', 'secret/metadata/metrics/*'];
  const app = await provisionApp(vault(), { readPaths: paths });
  const running = start(cliEnv(vault(), app), [
    '--watch',
    '300ms',
    '--secret',
    'VALUE=secret/metrics/denied#value',
  ]);
  const address = await metricsAddress(running);
  await running.waitForOutput('READY');
  await vault().admin.writePolicy(app.role, appPolicy(['secret/metadata/metrics/*']));
  await vault().admin.writeKv2('metrics/denied', { value: secretValue('denied-two') });
  let failed = '';
  await waitFor(
    async () => (sample((failed = await scrape(address)), 'vault_exec_restart_failures_total') ?? 0) >= 2,
    {
      timeoutMs: 10_000,
      message: `no failed restart counted; stderr:\n${running.stderr()}`,
    },
  );
  figure('after failed restarts', failed, [
    'vault_exec_restart_failures_total',
    'vault_exec_child_up',
    'vault_exec_child_starts_total',
    'vault_exec_secret_changes_total',
    'vault_exec_vault_requests_total{operation="read",code="403"',
  ]);
  expect(sample(failed, 'vault_exec_child_up')).toBe(1);
  expect(sample(failed, 'vault_exec_child_starts_total')).toBe(1);
  expect(sample(failed, 'vault_exec_child_restarts_total', { reason: 'secret-changed' })).toBe(0);
  expect(
    sample(failed, 'vault_exec_vault_requests_total', { operation: 'read', code: '403' }),
  ).toBeGreaterThanOrEqual(1);
  expect(await readyz(address)).toBe(200);
  expect(running.stdout()).not.toContain('SIGNAL');
  expect(running.stderr()).toContain('"event":"restart-failed"');
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
  await expectListenerClosed(address);
});

test('a renewal failure turns /readyz to 503 while the child is being stopped, then exits 75 and closes the listener', async () => {
  const app = await provisionApp(vault(), { readPaths: [], tokenTtl: '3s', tokenMaxTtl: '1h' });
  const running = start(cliEnv(vault(), app), [], { KEEP_RUNNING_ON: 'SIGTERM' });
  const address = await metricsAddress(running);
  await running.waitForOutput('READY');
  expect(await readyz(address)).toBe(200);
  expect(await revokeTokensOfRole(vault(), app.role)).toBe(1);
  await running.waitForOutput('SIGNAL SIGTERM');
  // The child ignores SIGTERM for the kill timeout: vault-exec is still there, and not ready.
  expect(await readyz(address)).toBe(503);
  expect((await get(address, '/healthz')).status).toBe(200);
  const failing = await scrape(address);
  figure('after a renewal failure, before exit 75', failing, [
    'vault_exec_renewals_total',
    'vault_exec_vault_requests_total{operation="renew"',
    'vault_exec_child_up',
  ]);
  expect(sample(failing, 'vault_exec_renewals_total', { kind: 'token', result: 'rejected' })).toBe(1);
  expect(sample(failing, 'vault_exec_vault_requests_total', { operation: 'renew', code: '403' })).toBe(1);
  expect(running.stderr()).toContain('"event":"renew-failed"');
  expect((await running.exited).code).toBe(75);
  await expectListenerClosed(address);
});

test('the child exiting by itself closes the listener too', async () => {
  const app = await provisionApp(vault(), { readPaths: [] });
  const running = startCli(['--metrics-addr', '0', '--', 'node', fixture('exit-with.mjs'), '3'], {
    env: cliEnv(vault(), app),
  });
  const address = await metricsAddress(running);
  expect((await running.exited).code).toBe(3);
  await expectListenerClosed(address);
});

test('while it waits for Vault, /readyz is 503 and /healthz 200; exit 69 closes the listener', async () => {
  const nothing = `http://127.0.0.1:${await freeLoopbackPort()}`;
  const running = startCli(['--metrics-addr', '0', '--wait-timeout', '3s', '--', 'true'], {
    env: cliEnv(vault(), undefined, { VAULT_ADDR: nothing, VAULT_TOKEN: 'not-a-real-token-for-this-test' }),
  });
  const address = await metricsAddress(running);
  await running.waitForOutput('waiting for Vault', { stream: 'stderr' });
  expect(await readyz(address)).toBe(503);
  expect((await get(address, '/healthz')).status).toBe(200);
  const waiting = await scrape(address);
  figure('while waiting for Vault (/readyz 503)', waiting, [
    'vault_exec_vault_requests_total',
    'vault_exec_child_up',
  ]);
  expect(
    sample(waiting, 'vault_exec_vault_requests_total', { operation: 'health', code: 'error' }),
  ).toBeGreaterThanOrEqual(1);
  expect(sample(waiting, 'vault_exec_child_up')).toBe(0);
  expect((await running.exited).code).toBe(69);
  await expectListenerClosed(address);
});

test('a stop signal before the child started closes the listener too', async () => {
  const nothing = `http://127.0.0.1:${await freeLoopbackPort()}`;
  const running = startCli(['--metrics-addr', '0', '--wait-timeout', '30s', '--', 'true'], {
    env: cliEnv(vault(), undefined, { VAULT_ADDR: nothing, VAULT_TOKEN: 'not-a-real-token-for-this-test' }),
  });
  const address = await metricsAddress(running);
  await running.waitForOutput('waiting for Vault', { stream: 'stderr' });
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(143);
  await expectListenerClosed(address);
});
