// Chaos while the child runs: faults during token renewal, re-login and shutdown.
// A mid-run failure is logged once, when it happens; clean-up lines (debug level here) may follow it.
import { expect, test } from 'vitest';
import { revokeTokensOfRole } from '../../support/app-role';
import { count, useChaosRig } from '../../support/chaos';
import { isPidAlive, waitFor } from '../../support/processes';

const rig = useChaosRig();
const renew = /^\/v1\/auth\/token\/renew-self$/;
const login = /^\/v1\/auth\/approle\/login$/;
const renewedLines = (stderr: string) => count(stderr, /renewed the token for \d+ s/);

/** Waits for the next successful renewal after now, proving the watcher recovered. */
async function nextRenewal(stderr: () => string, timeoutMs = 15_000): Promise<void> {
  const before = renewedLines(stderr());
  await waitFor(() => renewedLines(stderr()) > before, {
    timeoutMs,
    message: `no renewal within ${timeoutMs} ms; stderr:\n${stderr()}`,
  });
}

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

test('a burst of 5xx during renewal: retried with backoff, the child is untouched', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '6s' });
  await rig.proxy().setMode({ kind: 'http-status', status: 502, paths: renew, times: 2 });
  await nextRenewal(() => running.stderr(), 20_000);
  expect(count(running.stderr(), /injected fault \(HTTP 502\); retrying in/)).toBe(2);
  expect(isPidAlive(childPid)).toBe(true);
});

test('connections cut mid-renewal: retried, the child is untouched', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '6s' });
  await rig.proxy().setMode({ kind: 'cut' });
  await running.waitForOutput(/renewing the token failed: connection reset before Vault answered; retrying/, {
    stream: 'stderr',
    timeoutMs: 10_000,
  });
  await rig.proxy().setMode({ kind: 'pass' });
  await nextRenewal(() => running.stderr());
  expect(isPidAlive(childPid)).toBe(true);
});

test('a response cut in the middle during renewal: retried, the child is untouched', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '6s' });
  await rig.proxy().setMode({ kind: 'cut-mid-response' });
  await running.waitForOutput(/renewing the token failed: .*; retrying/, {
    stream: 'stderr',
    timeoutMs: 10_000,
  });
  await rig.proxy().setMode({ kind: 'pass' });
  await nextRenewal(() => running.stderr());
  expect(isPidAlive(childPid)).toBe(true);
});

test('Vault slower than the request timeout during renewal: retried, and renewal resumes when it answers', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '8s' });
  await rig.proxy().setMode({ kind: 'delay', ms: 2_500 });
  await running.waitForOutput(/renewing the token failed: no answer within 1 s; retrying/, {
    stream: 'stderr',
    timeoutMs: 10_000,
  });
  await rig.proxy().setMode({ kind: 'pass' });
  await nextRenewal(() => running.stderr());
  expect(isPidAlive(childPid)).toBe(true);
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

test('token revoked mid-run: one refused renewal, child stopped, exit 75', async () => {
  const { running, app } = await rig.startSupervised({ tokenTtl: '4s' });
  expect(await revokeTokensOfRole(rig.vault(), app.role)).toBe(1);
  rig.proxy().resetRequests();
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(rig.count(renew)).toBe(1);
});

test('token reaching its max TTL: logs in again before expiry, the child is untouched, logins bounded', async () => {
  const { running, childPid } = await rig.startSupervised({ tokenTtl: '2s', tokenMaxTtl: '4s' });
  rig.proxy().resetRequests();
  await waitFor(() => count(running.stderr(), /replaced the token before it expired/) >= 2, {
    timeoutMs: 20_000,
    message: 'fewer than 2 re-logins',
  });
  expect(isPidAlive(childPid)).toBe(true);
  expect(running.stdout()).not.toContain('SIGNAL');
  // Two re-logins within roughly two max-TTL periods: never a login storm.
  expect(rig.count(login)).toBeLessThanOrEqual(3);
});

test('secret_id used up at re-login: the child is stopped and vault-exec exits 75', async () => {
  const { running } = await rig.startSupervised({ tokenTtl: '2s', tokenMaxTtl: '3s', secretIdNumUses: 1 });
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(
    count(exit.stderr, /replacing the token was refused: AppRole login rejected .*invalid role or secret ID/),
  ).toBe(1);
  expect(rig.count(login)).toBe(2);
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

test('the child exits while a renewal is in flight: vault-exec exits with its code at once', async () => {
  const { running, childPid } = await rig.startSupervised({
    tokenTtl: '3s',
    args: ['--request-timeout', '10s'],
  });
  await rig.proxy().setMode({ kind: 'delay', ms: 5_000 });
  const deadline = Date.now() + 10_000;
  rig.proxy().resetRequests();
  while (rig.count(renew) === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  process.kill(childPid, 'SIGTERM');
  const stoppedAt = Date.now();
  const exit = await running.exited;
  expect(exit.code).toBe(0);
  // The in-flight renewal (held 5 s by the proxy) is abandoned; only the bounded token revocation
  // (2 s) may delay the exit.
  expect(Date.now() - stoppedAt).toBeLessThan(4_500);
});

test('SIGTERM during a renewal: the child is stopped and its exit code comes out', async () => {
  const { running } = await rig.startSupervised({ tokenTtl: '3s', args: ['--request-timeout', '10s'] });
  await rig.proxy().setMode({ kind: 'delay', ms: 5_000 });
  const deadline = Date.now() + 10_000;
  rig.proxy().resetRequests();
  while (rig.count(renew) === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  running.kill('SIGTERM');
  const sentAt = Date.now();
  const exit = await running.exited;
  expect(exit.code).toBe(0);
  expect(exit.stdout).toContain('SIGNAL SIGTERM');
  // Not held by the renewal the proxy delays 5 s: only the bounded revocation (2 s) comes after.
  expect(Date.now() - sentAt).toBeLessThan(4_500);
});
