import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv, provisionApp, type AppCredentials } from '../support/app-role';
import { fixture, isPidAlive, killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
beforeAll(async () => {
  app = await provisionApp(vault(), { readPaths: [] });
});
afterEach(() => killAllStarted());

const start = (args: string[], extraEnv: Record<string, string> = {}) =>
  startCli(args, { env: cliEnv(vault(), app, extraEnv) });
const childPid = async (running: ReturnType<typeof startCli>) =>
  Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);

describe('signals', () => {
  test('forwards SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to the child, which keeps running', async () => {
    const running = start(['--', 'node', fixture('ready-then-wait.mjs')]);
    await running.waitForOutput('READY');
    for (const signal of ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const) {
      running.kill(signal);
      await running.waitForOutput(`SIGNAL ${signal}`);
    }
    running.kill('SIGTERM');
    const exit = await running.exited;
    expect(exit.code).toBe(0);
    // Node would open an inspector on SIGUSR1 without our handler.
    expect(exit.stderr).not.toMatch(/Debugger listening/);
  });

  test.each([
    ['SIGTERM', 0],
    ['SIGINT', 7],
  ] as const)('forwards %s and exits with the code the child chose (%i)', async (signal, code) => {
    const running = start(['--', 'node', fixture('ready-then-wait.mjs')], { EXIT_ON_TERM: String(code) });
    await running.waitForOutput('READY');
    running.kill(signal);
    await running.waitForOutput(`SIGNAL ${signal}`);
    expect((await running.exited).code).toBe(code);
  });

  test('kills a child that ignores SIGTERM after --kill-timeout and exits 137', async () => {
    const running = start(['--kill-timeout', '1s', '--', 'node', fixture('ignore-sigterm.mjs')]);
    const pid = await childPid(running);
    await running.waitForOutput('READY');
    const sentAt = Date.now();
    running.kill('SIGTERM');
    await running.waitForOutput('IGNORED SIGTERM');
    const exit = await running.exited;
    expect(exit.code).toBe(137);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(950);
    expect(exit.stderr).toContain('the child did not exit within the kill timeout; sending SIGKILL');
    await waitFor(() => !isPidAlive(pid), { message: 'the child is still alive' });
  });

  test('exits promptly with 128+N, starting no child, when a signal arrives while waiting for Vault', async () => {
    const running = startCli(['--wait-timeout', '30s', '--', 'node', fixture('ready-then-wait.mjs')], {
      env: cliEnv(vault(), app, { VAULT_ADDR: 'http://127.0.0.1:9' }),
    });
    await running.waitForOutput('waiting for Vault', { stream: 'stderr' });
    running.kill('SIGTERM');
    const exit = await running.exited;
    expect(exit.code).toBe(143);
    expect(exit.stdout).not.toContain('READY');
    expect(exit.stderr).toContain('received SIGTERM before the child was started');
  });
});

describe('exit codes', () => {
  test.each([0, 1, 3, 42, 126, 255])("passes the child's exit code %i through unchanged", async (code) => {
    const result = await runCli(['--', 'node', fixture('exit-with.mjs'), String(code)], {
      env: cliEnv(vault(), app),
    });
    expect(result.code).toBe(code);
  });

  test.each([
    ['SIGTERM', 143],
    ['SIGKILL', 137],
    ['SIGSEGV', 139],
    ['SIGABRT', 134],
  ])('exits 128+N when the child dies of %s (%i)', async (signal, code) => {
    const result = await runCli(['--', 'node', fixture('exit-with.mjs'), signal], {
      env: cliEnv(vault(), app),
    });
    expect(result.code).toBe(code);
  });

  test('exits 127 with one line when the command does not exist', async () => {
    const result = await runCli(['--', 'no-such-command-vault-exec'], { env: cliEnv(vault(), app) });
    expect(result.code).toBe(127);
    expect(result.stderr).toContain(
      'vault-exec: command not found: no-such-command-vault-exec (check the name and PATH)',
    );
  });

  test('exits 126 when the command is not executable', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'vault-exec-')), 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    const result = await runCli(['--', script], { env: cliEnv(vault(), app) });
    expect(result.code).toBe(126);
    expect(result.stderr).toContain(`cannot execute ${script}: permission denied`);
  });
});
