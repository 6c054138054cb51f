// --watch: a secret rotated in Vault reaches the child without a redeploy, by a graceful restart.
import { afterEach, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue } from '../support/app-role';
import { fixture, killAllStarted, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
afterEach(() => killAllStarted());

// print-env prints its env before it installs its SIGTERM handler, and READY after: a test that
// signals on the env line alone can kill a child the scheduler paused in between (exit 143).
const secondChildReady = (stdout: string) => (stdout.match(/^READY$/gm)?.length ?? 0) >= 2;
const envLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('ENV '))
    .map((line) => JSON.parse(line.slice(4)) as Record<string, string>);

test('a new KV v2 version restarts the child with the new value', async () => {
  const first = secretValue('api-key-v1');
  const second = secretValue('api-key-v2');
  await vault().admin.writeKv2('rotating/api', { key: first });
  const app = await provisionApp(vault(), { readPaths: ['secret/data/rotating/*'] });
  const running = startCli(
    [
      '--watch',
      '500ms',
      '--secret',
      'API_KEY=secret/rotating/api#key',
      '--',
      'node',
      fixture('print-env.mjs'),
      '--wait',
    ],
    {
      env: cliEnv(vault(), app),
    },
  );
  await running.waitForOutput('READY');
  await vault().admin.writeKv2('rotating/api', { key: second });
  await waitFor(() => secondChildReady(running.stdout()), {
    timeoutMs: 10_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  expect(envLines(running.stdout()).map((env) => env.API_KEY)).toEqual([first, second]);
  expect(running.stderr()).toContain(
    'restarting the child: secret/data/rotating/api changed (version 1 → 2)',
  );
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('a changed KV v1 secret restarts the child; an unchanged one never does', async () => {
  await vault().admin.enableKv('kv1', 1);
  await vault().admin.writeKv1('kv1', 'stable', { value: secretValue('stable') });
  await vault().admin.writeKv1('kv1', 'changing', { value: 'before' });
  const app = await provisionApp(vault(), { readPaths: ['kv1/*'] });
  const running = startCli(
    [
      '--watch',
      '300ms',
      '--secret',
      'STABLE=kv1/stable#value',
      '--secret',
      'CHANGING=kv1/changing#value',
      '--',
      'node',
      fixture('print-env.mjs'),
      '--wait',
    ],
    { env: cliEnv(vault(), app) },
  );
  await running.waitForOutput('READY');
  await running.waitForOutput('watching 2 secret paths for changes every 300 ms', { stream: 'stderr' });
  // Proving that nothing happens needs a window: five checks with nothing changed, still the first child.
  await waitFor(() => (running.stderr().match(/checked the watched secrets: no change/g)?.length ?? 0) >= 5, {
    timeoutMs: 15_000,
    message: `fewer than five checks; stderr:\n${running.stderr()}`,
  });
  expect(envLines(running.stdout())).toHaveLength(1);
  await vault().admin.writeKv1('kv1', 'changing', { value: 'after' });
  await waitFor(() => secondChildReady(running.stdout()), {
    timeoutMs: 10_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  expect(envLines(running.stdout()).at(-1)!.CHANGING).toBe('after');
  expect(running.stderr()).toContain('restarting the child: kv1/changing changed');
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});
