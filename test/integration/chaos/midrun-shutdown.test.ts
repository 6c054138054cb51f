// Chaos while the child runs: the child exiting, or vault-exec told to stop, while a renewal hangs.
// The stop never waits for the renewal, only for the bounded token revocation.
import { expect, test } from 'vitest';
import { useChaosRig } from '../../support/chaos';

const rig = useChaosRig();
const renew = /^\/v1\/auth\/token\/renew-self$/;

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
