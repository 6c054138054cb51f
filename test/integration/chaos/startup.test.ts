// Chaos at start-up: faults while vault-exec waits for Vault, logs in and reads secrets.
import { expect, test } from 'vitest';
import { revokeTokensOfRole } from '../../support/app-role';
import { lastLine, useChaosRig } from '../../support/chaos';
import { fixture } from '../../support/processes';

const rig = useChaosRig();
const exitZero = ['--', 'node', fixture('exit-with.mjs'), '0'];
const health = /^\/v1\/sys\/health$/;
const login = /^\/v1\/auth\/approle\/login$/;
const read = /^\/v1\/secret\/data\/chaos\//;

test('Vault down at start, then up: waits, then runs the child', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'refuse' });
  const running = rig.start(['--wait-timeout', '30s', ...exitZero], app);
  await running.waitForOutput(/attempt 3,/, { stream: 'stderr' });
  await rig.proxy().setMode({ kind: 'pass' });
  const exit = await running.exited;
  expect(exit.code).toBe(0);
  expect(rig.count(/./)).toBeLessThanOrEqual(6);
});

test('Vault never up: exits 69 after --wait-timeout with one line naming the address and reason', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'refuse' });
  const exit = await rig.start(['--wait-timeout', '2s', ...exitZero], app).exited;
  expect(exit.code).toBe(69);
  expect(lastLine(exit.stderr)).toMatch(
    /^vault-exec: Vault at http:\/\/127\.0\.0\.1:\d+ was not ready within 2 s \(last: connection refused\)/,
  );
  expect(exit.stderr.match(/waiting for Vault/g)!.length).toBeLessThanOrEqual(8);
});

test('sealed at start, then unsealed: waits, then runs the child', async () => {
  const app = await rig.provision();
  await rig.vault().admin.seal();
  try {
    const running = rig.start(['--wait-timeout', '30s', ...exitZero], app);
    await running.waitForOutput('sealed (503)', { stream: 'stderr' });
    await rig.vault().admin.unseal(rig.vault().unsealKey);
    expect((await running.exited).code).toBe(0);
    expect(rig.count(health)).toBeLessThanOrEqual(10);
  } finally {
    await rig
      .vault()
      .admin.unseal(rig.vault().unsealKey)
      .catch(() => {});
  }
});

test('a burst of 503s from sys/health: waits through it and runs the child', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'http-status', status: 503, paths: health, times: 3 });
  const exit = await rig.start(['--wait-timeout', '30s', ...exitZero], app).exited;
  expect(exit.code).toBe(0);
  expect(rig.count(health)).toBe(4);
});

test('not initialised (501): waits, then runs the child', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'http-status', status: 501, paths: health, times: 2 });
  const exit = await rig.start(['--wait-timeout', '30s', ...exitZero], app).exited;
  expect(exit.code).toBe(0);
  expect(exit.stderr).toContain('not initialised (501)');
});

test('Vault slower than the request timeout at start: counts as not ready, then runs once it answers', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'delay', ms: 2_500 });
  const running = rig.start(['--wait-timeout', '30s', '--request-timeout', '1s', ...exitZero], app);
  await running.waitForOutput(/no answer within 1 s/, { stream: 'stderr' });
  await rig.proxy().setMode({ kind: 'pass' });
  expect((await running.exited).code).toBe(0);
});

test('connections cut before Vault answers: waits, then runs the child', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'cut' });
  const running = rig.start(['--wait-timeout', '30s', ...exitZero], app);
  await running.waitForOutput(/connection reset before Vault answered \(attempt 2,/, { stream: 'stderr' });
  await rig.proxy().setMode({ kind: 'pass' });
  expect((await running.exited).code).toBe(0);
});

test('a 500 on login is retried once and the child runs', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'http-status', status: 500, paths: login, times: 1 });
  const exit = await rig.start(exitZero, app).exited;
  expect(exit.code).toBe(0);
  expect(rig.count(login)).toBe(2);
});

test('login failing with 503 every time: exits 69 after 3 attempts, no child', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'http-status', status: 503, paths: login });
  const exit = await rig.start(['--', 'node', fixture('print-env.mjs')], app).exited;
  expect(exit.code).toBe(69);
  expect(exit.stdout).not.toContain('ENV');
  expect(lastLine(exit.stderr)).toMatch(
    /^vault-exec: AppRole login at .* \(auth\/approle\) failed: injected fault \(HTTP 503\)$/,
  );
  expect(rig.count(login)).toBe(3);
});

test('a login whose answer is cut is not sent again: exits 69 saying the login may have succeeded', async () => {
  // A single-use secret_id: a second login would fail as "invalid secret id" and hide what happened.
  const app = await rig.provision({ secretIdNumUses: 1 });
  await rig.proxy().setMode({ kind: 'cut-mid-response', paths: login });
  const exit = await rig.start(['--', 'node', fixture('print-env.mjs')], app).exited;
  expect(exit.code).toBe(69);
  expect(exit.stdout).not.toContain('ENV');
  expect(rig.count(login)).toBe(1);
  expect(lastLine(exit.stderr)).toMatch(
    /^vault-exec: AppRole login at http:\/\/127\.0\.0\.1:\d+ \(auth\/approle\) failed: connection reset before Vault answered; the request may have reached Vault, so the login may have succeeded there \(not retried: .*\)$/,
  );
  // Vault did log in: the token it minted is the one the line warns about.
  expect(await revokeTokensOfRole(rig.vault(), app.role)).toBe(1);
});

test('a wrong secret_id exits 77 after exactly one login attempt', async () => {
  const app = await rig.provision();
  const exit = await rig.start(exitZero, { ...app, secretId: 'not-the-right-secret-id' }).exited;
  expect(exit.code).toBe(77);
  expect(rig.count(login)).toBe(1);
});

test('a read answered 502 twice is retried and the child gets the secret', async () => {
  await rig.vault().admin.writeKv2('chaos/a', { key: 'value-a' });
  const app = await rig.provision({ readPaths: ['secret/data/chaos/*'] });
  await rig.proxy().setMode({ kind: 'http-status', status: 502, paths: read, times: 2 });
  const exit = await rig.start(
    ['--secret', 'A=secret/chaos/a#key', '--', 'node', fixture('print-env.mjs')],
    app,
  ).exited;
  expect(exit.code).toBe(0);
  expect(exit.stdout).toContain('"A":"value-a"');
  expect(rig.count(read)).toBe(3);
});

test('a read failing with 500 every time: exits 69 naming the path, no child', async () => {
  await rig.vault().admin.writeKv2('chaos/b', { key: 'value-b' });
  const app = await rig.provision({ readPaths: ['secret/data/chaos/*'] });
  await rig.proxy().setMode({ kind: 'http-status', status: 500, paths: read });
  const exit = await rig.start(
    ['--secret', 'B=secret/chaos/b#key', '--', 'node', fixture('print-env.mjs')],
    app,
  ).exited;
  expect(exit.code).toBe(69);
  expect(exit.stdout).not.toContain('ENV');
  expect(lastLine(exit.stderr)).toContain('reading secret/chaos/b (secret/data/chaos/b) at');
  expect(rig.count(read)).toBe(3);
});

test('SIGTERM during the wait: exits 143 at once and starts no child', async () => {
  const app = await rig.provision();
  await rig.proxy().setMode({ kind: 'refuse' });
  const running = rig.start(['--wait-timeout', '30s', '--', 'node', fixture('ready-then-wait.mjs')], app);
  await running.waitForOutput('waiting for Vault', { stream: 'stderr' });
  running.kill('SIGTERM');
  const exit = await running.exited;
  expect(exit.code).toBe(143);
  expect(exit.stdout).not.toContain('READY');
});

test.each([
  ['login', login],
  ['a secret read', read],
])('SIGTERM during %s: exits 143 promptly and starts no child', async (_, path) => {
  await rig.vault().admin.writeKv2('chaos/c', { key: 'value-c' });
  const app = await rig.provision({ readPaths: ['secret/data/chaos/*'] });
  await rig.proxy().setMode({ kind: 'delay', ms: 1_500 });
  const running = rig.start(
    [
      '--secret',
      'C=secret/chaos/c#key',
      '--request-timeout',
      '20s',
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    app,
  );
  // The delayed proxy records a request as soon as it arrives; let every earlier request through.
  const deadline = Date.now() + 30_000;
  while (rig.count(path) === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  expect(rig.count(path)).toBe(1);
  const sentAt = Date.now();
  running.kill('SIGTERM');
  const exit = await running.exited;
  expect(exit.code).toBe(143);
  // Not the 20 s request timeout: at most the read already under way (bounded at 2 s, so that a
  // lease it mints is revoked too) and, once logged in, the token's revocation (bounded at 2 s).
  expect(Date.now() - sentAt).toBeLessThan(6_000);
  expect(rig.count(/^\/v1\/auth\/token\/revoke-self$/)).toBe(path === login ? 0 : 1);
  expect(exit.stdout).not.toContain('READY');
});

test('a child that crashes at start: its exit code comes out and the token is still revoked', async () => {
  const app = await rig.provision();
  const exit = await rig.start(['--', 'node', fixture('exit-with.mjs'), '3'], app).exited;
  expect(exit.code).toBe(3);
  expect(rig.count(/^\/v1\/auth\/token\/revoke-self$/)).toBe(1);
});
