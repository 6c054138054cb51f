// Restarts under --watch are make-before-break: the new secrets are read and the env built while the
// old child runs on, so a restart that cannot be prepared never takes the app down.
import { afterEach, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue } from '../support/app-role';
import { fixture, isPidAlive, killAllStarted, startCli, waitFor, type Running } from '../support/processes';
import { appPolicy } from '../support/vault-admin';
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
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0;
const checksAfterRestart = (running: Running) =>
  count(
    running.stderr().split('restarting the child').at(-1) ?? '',
    /checked the watched secrets: no change/,
  );
/** Waits for `checks` more checks that found nothing, which proves no second restart is coming. */
const waitForQuietChecks = (running: Running, checks: number) =>
  waitFor(() => checksAfterRestart(running) >= checks, {
    timeoutMs: 15_000,
    message: `fewer than ${checks} quiet checks after the restart; stderr:\n${running.stderr()}`,
  });

function startWatching(env: NodeJS.ProcessEnv, interval: string, secrets: string[]): Running {
  return startCli(
    [
      '--watch',
      interval,
      ...secrets.flatMap((secret) => ['--secret', secret]),
      '--',
      'node',
      fixture('print-env.mjs'),
      '--wait',
    ],
    { env },
  );
}

test('a restart that cannot read the changed path keeps the old child running until the policy allows it again', async () => {
  const first = secretValue('mbb-v1');
  const second = secretValue('mbb-v2');
  await vault().admin.writeKv2('mbb/api', { key: first });
  const paths = ['secret/data/mbb/*', 'secret/metadata/mbb/*'];
  const app = await provisionApp(vault(), { readPaths: paths });
  const running = startWatching(cliEnv(vault(), app), '300ms', ['API_KEY=secret/mbb/api#key']);
  await running.waitForOutput('READY');
  const firstPid = running.pid;

  // The rollout of a new version comes with a policy that (by mistake) no longer lets the app read it.
  await vault().admin.writePolicy(app.role, appPolicy(['secret/metadata/mbb/*']));
  await vault().admin.writeKv2('mbb/api', { key: second });
  await waitFor(() => count(running.stderr(), /could not prepare the restart/) >= 2, {
    timeoutMs: 10_000,
    message: `no deferred restart; stderr:\n${running.stderr()}`,
  });
  expect(running.stderr()).toContain(
    'warning: could not prepare the restart (secret/data/mbb/api changed (version 1 → 2)): permission denied reading secret/mbb/api',
  );
  expect(running.stderr()).toContain('the child keeps running, and the next check tries again');
  expect(envLines(running.stdout())).toHaveLength(1);
  expect(running.stderr()).not.toContain('restarting the child');
  expect(isPidAlive(firstPid)).toBe(true);

  await vault().admin.writePolicy(app.role, appPolicy(paths));
  await waitFor(() => secondChildReady(running.stdout()), {
    timeoutMs: 10_000,
    message: `no restart after the policy was restored; stderr:\n${running.stderr()}`,
  });
  expect(envLines(running.stdout()).map((env) => env.API_KEY)).toEqual([first, second]);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('a KV change restarts the child exactly once', async () => {
  await vault().admin.writeKv2('once/api', { key: secretValue('once-v1') });
  const app = await provisionApp(vault(), { readPaths: ['secret/data/once/*', 'secret/metadata/once/*'] });
  const running = startWatching(cliEnv(vault(), app), '200ms', ['API_KEY=secret/once/api#key']);
  await running.waitForOutput('READY');
  const second = secretValue('once-v2');
  await vault().admin.writeKv2('once/api', { key: second });
  await waitFor(() => secondChildReady(running.stdout()), {
    timeoutMs: 10_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  await waitForQuietChecks(running, 5);
  expect(
    envLines(running.stdout())
      .map((env) => env.API_KEY)
      .slice(1),
  ).toEqual([second]);
  expect(count(running.stderr(), /restarting the child/)).toBe(1);
  const gap = Number(running.stderr().match(/the new child started (\d+) ms after the old one exited/)?.[1]);
  expect(gap).toBeGreaterThanOrEqual(0);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('several changes within one interval give one restart with all of them', async () => {
  await vault().admin.writeKv2('many/a', { key: 'a1' });
  await vault().admin.writeKv2('many/b', { key: 'b1' });
  const app = await provisionApp(vault(), { readPaths: ['secret/data/many/*', 'secret/metadata/many/*'] });
  const running = startWatching(cliEnv(vault(), app), '3s', ['A=secret/many/a#key', 'B=secret/many/b#key']);
  await running.waitForOutput('READY');
  await vault().admin.writeKv2('many/a', { key: 'a2' });
  await vault().admin.writeKv2('many/b', { key: 'b2' });
  await vault().admin.writeKv2('many/a', { key: 'a3' });
  await waitFor(() => secondChildReady(running.stdout()), {
    timeoutMs: 15_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  await waitForQuietChecks(running, 1);
  expect(envLines(running.stdout()).map((env) => [env.A, env.B])).toEqual([
    ['a1', 'b1'],
    ['a3', 'b2'],
  ]);
  expect(running.stderr()).toContain(
    'restarting the child: secret/data/many/a changed (version 1 → 3); secret/data/many/b changed (version 1 → 2)',
  );
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('--pass-token: a re-login at the max TTL restarts the child with the new token, and the old one is revoked', async () => {
  // One re-login within the test: the next one is due about 5 s after the first.
  const app = await provisionApp(vault(), { readPaths: [], tokenTtl: '3s', tokenMaxTtl: '6s' });
  const running = startCli(['--pass-token', '--', 'node', fixture('print-env.mjs'), '--wait'], {
    env: cliEnv(vault(), app),
  });
  await waitFor(() => secondChildReady(running.stdout()), {
    timeoutMs: 15_000,
    message: `no restart; stderr:\n${running.stderr()}`,
  });
  const [oldToken, newToken] = envLines(running.stdout()).map((env) => env.VAULT_TOKEN!);
  expect(newToken).not.toBe(oldToken);
  expect(running.stderr()).toContain(
    'restarting the child: the token was replaced at its max TTL, and the child holds the old one (--pass-token)',
  );
  // The old token is revoked (revoke-self) once the child holding it has exited; on a busy machine
  // it may have reached its max TTL just before, which Vault answers with 403.
  const afterRestart = () => running.stderr().split('restarting the child')[1] ?? '';
  await waitFor(() => /revoked the token|token revocation answered HTTP 403/.test(afterRestart()), {
    timeoutMs: 3_000,
    message: `the replaced token was not revoked; stderr:\n${running.stderr()}`,
  });
  const lookup = (token: string) => vault().admin.request('GET', 'auth/token/lookup-self', undefined, token);
  expect((await lookup(oldToken!)).status).toBe(403);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});
