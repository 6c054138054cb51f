// --metrics-addr across a database lease's life on a real PostgreSQL: the lease's expiry gauge under
// the path the user wrote, its renewals, and the restart at its max TTL with a new user; the scrape
// never holds the lease ID, the user or the password (the leak scan checks every answer).
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp } from '../support/app-role';
import { rememberSecret } from '../support/leak-scan';
import { usePostgres } from '../support/postgres-server';
import { fixture, killAllStarted, startCli, waitFor } from '../support/processes';
import { excerpt, get, metricsAddress, readyz, sample, scrape } from '../support/scrape';
import {
  DATABASE_MOUNT,
  databaseUrlTemplate,
  dynamicUsers,
  enableDatabaseEngine,
  writeDynamicRole,
} from '../support/vault-database';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const pg = usePostgres();
afterEach(() => killAllStarted());

const CREDS = `${DATABASE_MOUNT}/creds/metrics`;

beforeAll(async () => {
  await enableDatabaseEngine(vault(), pg());
  // 2 s leases renewable up to 6 s: renewals, then a restart for new credentials.
  await writeDynamicRole(vault(), { name: 'metrics', defaultTtl: '2s', maxTtl: '6s' });
});

afterAll(async () => {
  await waitFor(async () => (await dynamicUsers(pg())).length === 0, { timeoutMs: 10_000 });
});

test('a database lease: its expiry gauge, its renewals, and a restart at its max TTL', async () => {
  const app = await provisionApp(vault(), { readPaths: [CREDS] });
  const running = startCli(
    ['--metrics-addr', '0', '--kill-timeout', '2s', '--', 'node', fixture('db-client.mjs'), '--every', '200'],
    {
      env: {
        ...cliEnv(vault(), app),
        DATABASE_URL: databaseUrlTemplate(pg(), CREDS),
        PSQL: pg().bin('psql'),
      },
    },
  );
  const address = await metricsAddress(running);
  await running.waitForOutput('READY');
  for (const match of running.stdout().matchAll(/^DATABASE_URL postgresql:\/\/([^:]+):([^@]+)@/gm)) {
    rememberSecret(match[1]!);
    rememberSecret(match[2]!);
  }
  const first = await scrape(address);
  const expiry = sample(first, 'vault_exec_lease_expiry_timestamp_seconds', { path: CREDS });
  expect(expiry).toBeDefined();
  expect(Math.abs(expiry! - (Date.now() / 1000 + 2))).toBeLessThanOrEqual(2);
  expect(await readyz(address)).toBe(200);
  process.stdout.write(
    `[figure] scrape with a database lease:\n${excerpt(first, ['vault_exec_lease_expiry', 'vault_exec_child_up', 'vault_exec_vault_requests_total{operation="read"'])}\n`,
  );

  let restarted = '';
  await waitFor(
    async () =>
      (sample((restarted = await scrape(address)), 'vault_exec_child_restarts_total', {
        reason: 'lease-end',
      }) ?? 0) >= 1 && sample(restarted, 'vault_exec_child_starts_total') === 2,
    { timeoutMs: 20_000, message: `no restart at the lease's max TTL; stderr:\n${running.stderr()}` },
  );
  process.stdout.write(
    `[figure] scrape after the lease ended and the child restarted:\n${excerpt(restarted, ['vault_exec_lease_expiry', 'vault_exec_renewals_total', 'vault_exec_child_restarts_total', 'vault_exec_child_starts_total', 'vault_exec_vault_requests_total{operation="revoke"'])}\n`,
  );
  expect(
    sample(restarted, 'vault_exec_renewals_total', { kind: 'lease', result: 'success' }),
  ).toBeGreaterThanOrEqual(1);
  // One series per path: the new lease replaced the old one's, with a later expiry.
  expect(restarted.match(/^vault_exec_lease_expiry_timestamp_seconds\{/gm)).toHaveLength(1);
  expect(sample(restarted, 'vault_exec_lease_expiry_timestamp_seconds', { path: CREDS })).toBeGreaterThan(
    expiry!,
  );
  for (const match of running.stdout().matchAll(/^DATABASE_URL postgresql:\/\/([^:]+):([^@]+)@/gm)) {
    rememberSecret(match[1]!);
    rememberSecret(match[2]!);
  }
  await waitFor(async () => (await readyz(address)) === 200, { timeoutMs: 5_000 });
  running.kill('SIGTERM');
  // The next 6-second lease may be ending already: SIGTERM during that swap is 143, as documented.
  expect([0, 143]).toContain((await running.exited).code);
  await expect(get(address, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
});
