// Chaos while the child runs: transport faults during token renewal (5xx, cut connections, a reply
// cut short, a Vault slower than the request timeout). Each is retried and the child never notices.
import { expect, test } from 'vitest';
import { count, nextRenewal, useChaosRig } from '../../support/chaos';
import { isPidAlive } from '../../support/processes';

const rig = useChaosRig();
const renew = /^\/v1\/auth\/token\/renew-self$/;

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
