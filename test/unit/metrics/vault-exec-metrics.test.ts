// Readiness as /readyz answers it, and the series the alert rules need before any event.
import { expect, test } from 'vitest';
import { createVaultExecMetrics } from '../../../src/metrics/vault-exec-metrics';

const NOW_MS = 1_800_000_000_000;
const metricsAt = () =>
  createVaultExecMetrics({ version: '1.2.3', method: 'approle', wallNow: () => NOW_MS });

test('/readyz: ready only while a child runs in the running phase with credentials not expired', () => {
  const metrics = metricsAt();
  expect(metrics.ready()).toBe(false); // waiting for Vault, logging in, reading
  metrics.tokenExpiry(NOW_MS / 1000 + 60);
  metrics.childStarted();
  metrics.phase('running');
  expect(metrics.ready()).toBe(true);
  metrics.phase('restarting'); // the swap: the old child is being stopped
  expect(metrics.ready()).toBe(false);
  metrics.childExited();
  metrics.childStarted();
  metrics.phase('running');
  expect(metrics.ready()).toBe(true);
  metrics.leaseExpiry('database/creds/app', NOW_MS / 1000 - 1); // a lease that has run out
  expect(metrics.ready()).toBe(false);
  metrics.leaseExpiry('database/creds/app', undefined);
  expect(metrics.ready()).toBe(true);
  metrics.tokenExpiry(NOW_MS / 1000);
  expect(metrics.ready()).toBe(false);
});

test('/readyz: a renewal failure holds until exit, whatever the child does meanwhile', () => {
  const metrics = metricsAt();
  metrics.childStarted();
  metrics.phase('running');
  metrics.phase('failed');
  metrics.phase('running');
  expect(metrics.ready()).toBe(false);
});

test('/readyz: a child that exited by itself is not ready', () => {
  const metrics = metricsAt();
  metrics.childStarted();
  metrics.phase('running');
  metrics.childExited();
  expect(metrics.ready()).toBe(false);
});

test('the counters the alerts compare exist at 0 before anything happened', () => {
  const text = metricsAt().render();
  for (const series of [
    'vault_exec_logins_total{method="approle",result="rejected"} 0',
    'vault_exec_renewals_total{kind="token",result="error"} 0',
    'vault_exec_renewals_total{kind="lease",result="rejected"} 0',
    'vault_exec_child_restarts_total{reason="secret-changed"} 0',
    'vault_exec_restart_failures_total 0',
    'vault_exec_secret_changes_total 0',
    'vault_exec_secret_changes_applied_total 0',
    'vault_exec_child_up 0',
  ])
    expect(text).toContain(`\n${series}\n`);
  expect(text).toMatch(/\nvault_exec_build_info\{version="1\.2\.3",node="[\d.]+"\} 1\n/);
});
