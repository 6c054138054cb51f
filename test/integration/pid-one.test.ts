// vault-exec as PID 1, as in a container started without an init: it must still forward signals and
// pass the child's exit code (plain Node as PID 1 ignores SIGTERM), and warn once about reaping.
import { spawn } from 'node:child_process';
import { afterEach, expect, test } from 'vitest';
import { cliEnv, provisionApp } from '../support/app-role';
import { cliCommand, killAllStarted } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
afterEach(() => killAllStarted());

test('as PID 1 it warns once about reaping, forwards SIGTERM and exits with the child’s code', async () => {
  const app = await provisionApp(vault());
  // A new PID namespace (inside a user namespace, so no privileges are needed) makes vault-exec PID 1.
  const child = spawn(
    'unshare',
    [
      '--user',
      '--map-root-user',
      '--pid',
      '--fork',
      '--kill-child',
      ...cliCommand,
      '--',
      'sh',
      '-c',
      'trap "exit 7" TERM; echo READY; sleep 30 & wait',
    ],
    { env: cliEnv(vault(), app), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!stdout.includes('READY') && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  expect(stdout, stderr).toContain('READY');
  // unshare --fork waits for its child; signal vault-exec itself, the process inside the namespace.
  const pidOne = await findVaultExecPid(child.pid!);
  process.kill(pidOne, 'SIGTERM');
  expect(await exited).toBe(7);
  expect(stderr.match(/running as PID 1: orphaned grandchildren will not be reaped/g)).toHaveLength(1);
});

/** The vault-exec process that unshare forked (seen from outside the namespace with its real pid). */
async function findVaultExecPid(unsharePid: number): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8')
    .trim()
    .split(/\s+/);
  return Number(children[0]);
}
