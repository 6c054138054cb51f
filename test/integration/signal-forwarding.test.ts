// Which signals reach the child, and whom they reach: every catchable signal (src/child/signals.ts),
// what a real-time signal does, and --process-group against the grandchildren of `sh -c`.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FORWARDED_SIGNALS } from '../../src/child/signals';
import { cliEnv, provisionApp, type AppCredentials } from '../support/app-role';
import {
  fixture,
  isPidAlive,
  killAllStarted,
  startCli,
  testsStandaloneBinary,
  waitFor,
} from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
const strays: number[] = [];
beforeAll(async () => {
  app = await provisionApp(vault(), { readPaths: [] });
});
afterEach(() => {
  for (const pid of strays.splice(0))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  killAllStarted();
});

const start = (args: string[], extraEnv: Record<string, string> = {}) =>
  startCli(args, { env: cliEnv(vault(), app, extraEnv) });
const numberAfter = async (running: ReturnType<typeof startCli>, label: string) =>
  Number((await running.waitForOutput(new RegExp(`${label} (\\d+)`))).split(' ')[1]);
const available = FORWARDED_SIGNALS.filter((signal) => signal in constants.signals);
/**
 * Bun, the standalone binary's runtime, cannot listen for these two (README, Install): SIGPWR is
 * dropped, and SIGSTKFLT ends vault-exec as a real-time signal does. The bundle on Node forwards both.
 */
const BUN_CANNOT_CATCH = ['SIGPWR', 'SIGSTKFLT'] as const;
const nonStop = available.filter(
  (signal) =>
    signal !== 'SIGTERM' &&
    signal !== 'SIGINT' &&
    !(testsStandaloneBinary && (BUN_CANNOT_CATCH as readonly string[]).includes(signal)),
);

describe('every catchable signal', () => {
  test(`forwards all ${nonStop.length} non-stop signals, SIGALRM, SIGXCPU and SIGVTALRM among them (and SIGPWR on Node), and stays alive`, async () => {
    expect(nonStop).toEqual(expect.arrayContaining(['SIGALRM', 'SIGXCPU', 'SIGVTALRM']));
    if (!testsStandaloneBinary) expect(nonStop).toEqual(expect.arrayContaining(['SIGPWR', 'SIGSTKFLT']));
    const running = start(['--', 'node', fixture('ready-then-wait.mjs')]);
    await running.waitForOutput('READY');
    for (const signal of nonStop) {
      running.kill(signal);
      await running.waitForOutput(`SIGNAL ${signal}\n`);
      expect(isPidAlive(running.pid)).toBe(true);
    }
    running.kill('SIGTERM');
    const exit = await running.exited;
    expect(exit.code).toBe(0);
    // Each signal exactly once: nothing (signal-exit, say) sent the child a SIGTERM of its own.
    for (const signal of [...nonStop, 'SIGTERM'])
      expect(exit.stdout.split(`SIGNAL ${signal}\n`)).toHaveLength(2);
    expect(exit.stderr).not.toMatch(/Debugger listening/);
  });

  test('a real-time signal cannot be caught: vault-exec dies of it at once and the child is left running', async () => {
    const running = start(['--', 'node', fixture('ready-then-wait.mjs')]);
    const childPid = await numberAfter(running, 'PID');
    await running.waitForOutput('READY');
    process.kill(running.pid, 40);
    // The child, left running, holds the pipes: the status is all there is to wait for.
    const status = await running.status;
    // Node reports a death by a real-time signal as neither a code nor a signal name.
    expect(status.signal).toBeNull();
    expect(running.stderr()).not.toContain('received');
    expect(isPidAlive(childPid)).toBe(true);
    expect(running.stdout()).not.toContain('SIGNAL');
  });
});

describe.runIf(testsStandaloneBinary)(
  'the standalone binary (Bun) and the two signals it cannot catch',
  () => {
    test('SIGPWR is dropped: it reaches neither vault-exec nor the child, and both keep running', async () => {
      const running = start(['--', 'node', fixture('ready-then-wait.mjs')]);
      const childPid = await numberAfter(running, 'PID');
      await running.waitForOutput('READY');
      process.kill(running.pid, 'SIGPWR');
      // Proof that it was handled in order: a signal sent after it is forwarded, and SIGPWR is not.
      running.kill('SIGUSR1');
      await running.waitForOutput('SIGNAL SIGUSR1\n');
      expect(running.stdout()).not.toContain('SIGNAL SIGPWR');
      expect(isPidAlive(running.pid) && isPidAlive(childPid)).toBe(true);
      running.kill('SIGTERM');
      expect((await running.exited).code).toBe(0);
    });

    test('SIGSTKFLT ends vault-exec at once, as a real-time signal does, and the child is left running', async () => {
      const running = start(['--', 'node', fixture('ready-then-wait.mjs')]);
      const childPid = await numberAfter(running, 'PID');
      strays.push(childPid);
      await running.waitForOutput('READY');
      running.kill('SIGSTKFLT');
      expect((await running.status).signal).toBe('SIGSTKFLT');
      expect(isPidAlive(childPid)).toBe(true);
      expect(running.stdout()).not.toContain('SIGNAL');
    });
  },
);

describe('--process-group', () => {
  // sh forks `sleep` (it is not the last command), so sleep is a grandchild of vault-exec.
  const shell = ['sh', '-c', 'sleep 300 & echo "GRANDCHILD $!"; echo READY; wait'];

  test('without it, SIGTERM reaches the child only: the grandchild of sh -c keeps running', async () => {
    const running = start(['--', ...shell]);
    const grandchild = await numberAfter(running, 'GRANDCHILD');
    strays.push(grandchild);
    await running.waitForOutput('READY');
    running.kill('SIGTERM');
    // The grandchild, left running, holds the pipes: the status is all there is to wait for.
    expect((await running.status).code).toBe(143);
    expect(isPidAlive(grandchild)).toBe(true);
  });

  test('with it, SIGTERM goes to the whole group and the grandchild stops too', async () => {
    const running = start(['--process-group', '--', ...shell]);
    const grandchild = await numberAfter(running, 'GRANDCHILD');
    strays.push(grandchild);
    await running.waitForOutput('READY');
    // The child leads its own group, apart from vault-exec's.
    const stat = readFileSync(`/proc/${grandchild}/stat`, 'utf8');
    const groupOfGrandchild = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(groupOfGrandchild).not.toBe(running.pid);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(143);
    await waitFor(() => !isPidAlive(grandchild), { message: 'the grandchild is still alive' });
  });

  test('with it (env twin), the kill-timeout SIGKILL goes to the whole group', async () => {
    // `trap "" TERM` is inherited by sleep: only SIGKILL ends either of them.
    const running = start(['--kill-timeout', '500ms', '--', 'sh', '-c', `trap "" TERM; ${shell[2]}`], {
      VAULT_EXEC_PROCESS_GROUP: 'true',
    });
    const grandchild = await numberAfter(running, 'GRANDCHILD');
    strays.push(grandchild);
    await running.waitForOutput('READY');
    running.kill('SIGTERM');
    const exit = await running.exited;
    expect(exit.code).toBe(137);
    expect(exit.stderr).toContain('sending SIGKILL');
    await waitFor(() => !isPidAlive(grandchild), { message: 'the grandchild is still alive' });
  });

  test('with it, a grandchild that ignores SIGTERM after the leader exited is SIGKILLed at the kill timeout', async () => {
    // sh itself dies of the SIGTERM at once; only the subshell's sleep ignores it.
    const script = '(trap "" TERM; exec sleep 300) & echo "GRANDCHILD $!"; echo READY; wait';
    const running = start(['--process-group', '--kill-timeout', '1s', '--', 'sh', '-c', script]);
    const grandchild = await numberAfter(running, 'GRANDCHILD');
    strays.push(grandchild);
    await running.waitForOutput('READY');
    running.kill('SIGTERM');
    const exit = await running.exited;
    expect(exit.code).toBe(143);
    expect(exit.stderr).toContain('waiting for the rest of its process group');
    expect(exit.stderr).toContain('sending SIGKILL');
    await waitFor(() => !isPidAlive(grandchild), { message: 'the grandchild is still alive' });
  });
});
