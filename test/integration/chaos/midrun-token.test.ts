// Chaos while the child runs: the token revoked, reaching its max TTL, or its re-login refused.
// A mid-run failure is logged once, when it happens; clean-up lines (debug level here) may follow it.
import { expect, test } from 'vitest';
import { revokeTokensOfRole } from '../../support/app-role';
import { count, useChaosRig } from '../../support/chaos';
import { isPidAlive, waitFor } from '../../support/processes';

const rig = useChaosRig();
const renew = /^\/v1\/auth\/token\/renew-self$/;
const login = /^\/v1\/auth\/approle\/login$/;

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
