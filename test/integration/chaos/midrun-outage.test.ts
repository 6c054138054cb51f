// Chaos while the child runs: Vault sealed, restarted or failing until the token expires. Renewal
// retries with backoff while time is left, and stops the child (exit 75) only when it runs out.
// A mid-run failure is logged once, when it happens; clean-up lines (debug level here) may follow it.
// --watch checks that fail while Vault is sealed say so once, and once again when they work.
import { expect, test } from 'vitest';
import { count, nextRenewal, useChaosRig } from '../../support/chaos';
import { secretValue } from '../../support/app-role';
import { fixture, isPidAlive, waitFor } from '../../support/processes';

const rig = useChaosRig();
const renew = /^\/v1\/auth\/token\/renew-self$/;

test('sealed mid-run: renewal keeps retrying until the token expires, then exits 75 with bounded requests', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '4s' });
  rig.proxy().resetRequests();
  await rig.vault().admin.seal();
  try {
    const exit = await running.exited;
    expect(exit.code).toBe(75);
    expect(
      count(
        exit.stderr,
        /renewing the token failed until the token expired \(last: Vault is sealed \(HTTP 503\)\); stopping the child/,
      ),
    ).toBe(1);
    expect(exit.stdout).toContain('SIGNAL SIGTERM');
    expect(isPidAlive(childPid)).toBe(false);
    expect(rig.count(renew)).toBeLessThanOrEqual(5);
  } finally {
    await rig.vault().admin.unseal(rig.vault().unsealKey);
  }
});

test('sealed briefly mid-run and unsealed before expiry: the child is untouched and renewal resumes', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '8s' });
  await rig.vault().admin.seal();
  await running.waitForOutput(/Vault is sealed \(HTTP 503\); retrying in/, {
    stream: 'stderr',
    timeoutMs: 15_000,
  });
  await rig.vault().admin.unseal(rig.vault().unsealKey);
  await nextRenewal(() => running.stderr());
  expect(isPidAlive(childPid)).toBe(true);
  expect(running.stdout()).not.toContain('SIGNAL');
});

test('Vault restarted mid-run (every token gone): the child is stopped and vault-exec exits 75', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '4s' });
  await rig.vault().restart();
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(
    count(
      exit.stderr,
      /renewing the token was refused: .*permission denied.*\(HTTP 403\); stopping the child/,
    ),
  ).toBe(1);
  expect(isPidAlive(childPid)).toBe(false);
});

test('renewal backoff never spins: a renewal failing with 503 until expiry makes at most 5 attempts', async () => {
  const { running } = await rig.startSupervised({ tokenTtl: '12s' });
  await rig.proxy().setMode({ kind: 'http-status', status: 503, paths: renew });
  rig.proxy().resetRequests();
  const exit = await running.exited;
  // First attempt at about 8 s, then 1 s, 2 s and 4 s backoff steps until the token's 12 s are up.
  expect(exit.code).toBe(75);
  expect(rig.count(renew)).toBeGreaterThanOrEqual(2);
  expect(rig.count(renew)).toBeLessThanOrEqual(5);
});

test('sealed mid-run under --watch: one warning naming the path and why, then one line when checks work again', async () => {
  await rig.vault().admin.writeKv2('outage/api', { key: secretValue('outage-api-key') });
  const app = await rig.provision({
    readPaths: ['secret/data/outage/*', 'secret/metadata/outage/*'],
    tokenTtl: '1m',
  });
  const running = rig.start(
    [
      '--watch',
      '300ms',
      '--secret',
      'API_KEY=secret/outage/api#key',
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    app,
  );
  const childPid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
  await running.waitForOutput('READY');
  const warning =
    /vault-exec: warning: could not check secret\/data\/outage\/api for changes: Vault is sealed \(HTTP 503\); the child keeps running/g;
  await rig.vault().admin.seal();
  try {
    await running.waitForOutput(warning, { stream: 'stderr', timeoutMs: 10_000 });
    // More failed checks follow (the proxy sees them), and say nothing at the default level.
    rig.proxy().resetRequests();
    await waitFor(() => rig.count(/^\/v1\/secret\/metadata\/outage\/api$/) >= 3, { timeoutMs: 10_000 });
    expect(count(running.stderr(), warning)).toBe(1);
  } finally {
    await rig.vault().admin.unseal(rig.vault().unsealKey);
  }
  await running.waitForOutput(/the watched secrets can be checked again, after \d+ failed checks/, {
    stream: 'stderr',
    timeoutMs: 10_000,
  });
  expect(isPidAlive(childPid)).toBe(true);
  expect(running.stdout()).not.toContain('SIGNAL');
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});
