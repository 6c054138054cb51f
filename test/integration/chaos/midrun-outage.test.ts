// Chaos while the child runs: Vault sealed, restarted or failing until the token expires. Renewal
// retries with backoff while time is left, and stops the child (exit 75) only when it runs out.
// A mid-run failure is logged once, when it happens; clean-up lines (debug level here) may follow it.
import { expect, test } from 'vitest';
import { count, nextRenewal, useChaosRig } from '../../support/chaos';
import { isPidAlive } from '../../support/processes';

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
