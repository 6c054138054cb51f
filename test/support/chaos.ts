// A rig for chaos scenarios: a real dev server, a fault proxy in front of it, and helpers to start
// vault-exec through the proxy and count the Vault requests a scenario made.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { cliEnv, provisionApp, type AppCredentials } from './app-role';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { fixture, killAllStarted, startCli, waitFor, type Running } from './processes';
import { useVaultServer, type VaultServer } from './vault-server';

export interface ChaosRig {
  vault(): VaultServer;
  proxy(): FaultProxy;
  /** Requests seen by the proxy whose path matches, since the scenario started. */
  count(path: RegExp): number;
  /** Starts vault-exec through the proxy with a fresh AppRole; returns once the child printed READY. */
  startSupervised(
    options?: SupervisedOptions,
  ): Promise<{ running: Running; app: AppCredentials; childPid: number }>;
  /** Starts vault-exec through the proxy without waiting for anything. */
  start(args: string[], app: AppCredentials, extraEnv?: Record<string, string>): Running;
  provision(options?: {
    tokenTtl?: string;
    tokenMaxTtl?: string;
    secretIdNumUses?: number;
    readPaths?: string[];
  }): Promise<AppCredentials>;
}

export interface SupervisedOptions {
  tokenTtl?: string;
  tokenMaxTtl?: string;
  secretIdNumUses?: number;
  args?: string[];
  child?: string[];
}

export function useChaosRig(): ChaosRig {
  const vault = useVaultServer();
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy({ upstreamPort: vault().port });
  });
  afterEach(async () => {
    killAllStarted();
    await proxy?.setMode({ kind: 'pass' });
    proxy?.resetRequests();
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const rig: ChaosRig = {
    vault,
    proxy: () => proxy!,
    count: (path) => proxy!.requests().filter((request) => path.test(request.path)).length,
    provision: (options = {}) => provisionApp(vault(), { readPaths: options.readPaths ?? [], ...options }),
    start: (args, app, extraEnv = {}) =>
      startCli(args, { env: cliEnv(vault(), app, { VAULT_ADDR: proxy!.url, ...extraEnv }) }),
    async startSupervised(options = {}) {
      const app = await rig.provision({
        tokenTtl: options.tokenTtl ?? '4s',
        tokenMaxTtl: options.tokenMaxTtl ?? '1h',
        secretIdNumUses: options.secretIdNumUses,
      });
      const running = rig.start(
        [
          ...(options.args ?? ['--kill-timeout', '2s', '--request-timeout', '1s']),
          '--',
          ...(options.child ?? ['node', fixture('ready-then-wait.mjs')]),
        ],
        app,
      );
      const childPid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
      await running.waitForOutput('READY');
      return { running, app, childPid };
    },
  };
  return rig;
}

/** The last line vault-exec logged (NODE_DEBUG lines from Node itself aside): by design, why it stopped. */
export function lastLine(stderr: string): string {
  return (
    stderr
      .split('\n')
      .filter((line) => line.startsWith('vault-exec:'))
      .at(-1) ?? ''
  );
}

export const count = (text: string, pattern: RegExp): number =>
  text.match(new RegExp(pattern, 'g'))?.length ?? 0;

/** Waits for the next successful token renewal after now, proving the watcher recovered. */
export async function nextRenewal(stderr: () => string, timeoutMs = 15_000): Promise<void> {
  const renewed = (): number => count(stderr(), /renewed the token for \d+ s/);
  const before = renewed();
  await waitFor(() => renewed() > before, {
    timeoutMs,
    message: `no renewal within ${timeoutMs} ms; stderr:\n${stderr()}`,
  });
}
