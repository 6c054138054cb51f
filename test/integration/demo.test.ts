import { afterEach, expect, test } from 'vitest';
import { killAllStarted, runNode } from '../support/processes';
import { vaultBinaryPath } from '../support/vault-binary';

afterEach(() => killAllStarted());

test('the README demo starts Vault, runs the example server behind vault-exec with its secrets, and stops cleanly', async () => {
  // The demo prefers an installed `vault`; the suite pins its server so every machine tests the same one.
  const result = await runNode(['scripts/demo.mjs', '--smoke'], {
    timeoutMs: 60_000,
    env: { ...process.env, VAULT_EXEC_SERVER_BIN: vaultBinaryPath() },
  });
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const health = JSON.parse(result.stdout.split('\n').find((line) => line.startsWith('{"status"'))!);
  expect(health.status).toBe('ok');
  for (const name of ['DATABASE_URL', 'DB_USERNAME', 'DB_PASSWORD', 'JWT_SECRET'])
    expect(health.secrets[name].present).toBe(true);
  expect(result.stdout).toContain('vault-exec exited with 0; stopping Vault');
});
