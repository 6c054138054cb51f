// Chaos on the process side: repeated signals, escalation, children that misbehave, and the
// interplay of a stop signal with a renewal failure (the first stop reason wins).
import { expect, test } from 'vitest';
import { revokeTokensOfRole } from '../../support/app-role';
import { count, useChaosRig } from '../../support/chaos';
import { fixture, isPidAlive, waitFor } from '../../support/processes';

const rig = useChaosRig();

test('double SIGTERM: both are forwarded, and the kill timer is not re-armed by the second', async () => {
  const { running, childPid } = await rig.startSupervised({
    child: ['node', fixture('ignore-sigterm.mjs')],
    args: ['--kill-timeout', '2s'],
  });
  const firstAt = Date.now();
  running.kill('SIGTERM');
  await running.waitForOutput('IGNORED SIGTERM');
  running.kill('SIGTERM');
  await waitFor(() => count(running.stdout(), /IGNORED SIGTERM/) === 2, {
    message: 'the second SIGTERM was not forwarded',
  });
  const exit = await running.exited;
  expect(exit.code).toBe(137);
  // SIGKILL never comes before the kill timeout; that the second SIGTERM does not re-arm the timer
  // is a transition of the pure machine, checked in test/unit/child/supervisor-machine.test.ts.
  expect(Date.now() - firstAt).toBeGreaterThanOrEqual(1_900);
  expect(count(exit.stderr, /sending SIGKILL/)).toBe(1);
  expect(isPidAlive(childPid)).toBe(false);
});

test('SIGINT to a child that ignores it: SIGKILL after --kill-timeout, exit 137', async () => {
  const { running } = await rig.startSupervised({
    child: ['node', fixture('ignore-sigterm.mjs')],
    args: ['--kill-timeout', '1s'],
  });
  running.kill('SIGINT');
  await running.waitForOutput('IGNORED SIGINT');
  const exit = await running.exited;
  expect(exit.code).toBe(137);
  expect(count(exit.stderr, /the child did not exit within the kill timeout; sending SIGKILL/)).toBe(1);
});

test('a renewal failure while the child ignores SIGTERM: SIGKILL after the kill timeout, exit 75', async () => {
  const { running, app, childPid } = await rig.startSupervised({
    tokenTtl: '3s',
    child: ['node', fixture('ignore-sigterm.mjs')],
    args: ['--kill-timeout', '1s'],
  });
  await revokeTokensOfRole(rig.vault(), app.role);
  const exit = await running.exited;
  expect(exit.code).toBe(75);
  expect(exit.stdout).toContain('IGNORED SIGTERM');
  expect(exit.stderr).toContain('sending SIGKILL');
  expect(isPidAlive(childPid)).toBe(false);
});

test('SIGTERM first, then a renewal failure during the shutdown: the child’s own exit code wins', async () => {
  const { running, app } = await rig.startSupervised({
    tokenTtl: '2s',
    child: ['node', fixture('ignore-sigterm.mjs')],
    args: ['--kill-timeout', '4s'],
  });
  running.kill('SIGTERM');
  await running.waitForOutput('IGNORED SIGTERM');
  await revokeTokensOfRole(rig.vault(), app.role);
  const exit = await running.exited;
  // The child is killed by the kill timer (137); the later renewal failure does not turn that into 75.
  expect(exit.code).toBe(137);
  expect(exit.stderr).toMatch(/already stopping; ignored: renewing the token was refused/);
});

test('a child that forks a grandchild: vault-exec exits with the child’s code and does not wait for the orphan', async () => {
  const { running } = await rig.startSupervised({ child: ['node', fixture('fork-grandchild.mjs')] });
  const grandchild = Number((await running.waitForOutput(/GRANDCHILD (\d+)/)).match(/GRANDCHILD (\d+)/)![1]);
  running.kill('SIGTERM');
  const exit = await running.exited;
  expect(exit.code).toBe(0);
  // Not PID 1 here, so the orphan is reparented; in a container, an init (tini, --init) reaps it.
  expect(isPidAlive(grandchild)).toBe(true);
  process.kill(grandchild, 'SIGKILL');
});

test('a child that dies of a signal mid-run: 128+N comes out and the token is revoked', async () => {
  const { running, childPid } = await rig.startSupervised();
  rig.proxy().resetRequests();
  process.kill(childPid, 'SIGKILL');
  const exit = await running.exited;
  expect(exit.code).toBe(137);
  expect(rig.count(/^\/v1\/auth\/token\/revoke-self$/)).toBe(1);
});
