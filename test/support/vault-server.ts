import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { createVaultAdmin, type VaultAdmin } from './vault-admin';
import { vaultBinaryPath } from './vault-binary';
import { rememberSecret } from './leak-scan';

export interface VaultServer {
  addr: string;
  port: number;
  rootToken: string;
  unsealKey: string;
  admin: VaultAdmin;
  stop(): Promise<void>;
  /** Same port and root token; everything else is lost, exactly like restarting a real dev server. */
  restart(): Promise<void>;
  logs(): string;
}

export interface VaultServerOptions {
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

const READY_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const KILL_GRACE_MS = 5_000;

// A crashed or timed-out test file must not leave dev servers holding ports and memory.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startVaultServer(options: VaultServerOptions = {}): Promise<VaultServer> {
  const binary = resolveBinary();
  const port = await freeLoopbackPort();
  const addr = `http://127.0.0.1:${port}`;
  // Vault refuses custom token ids containing '.', and a fixed id keeps the token valid across restarts.
  const rootToken = rememberSecret(`root-${randomBytes(12).toString('hex')}`);
  // Vault writes ~/.vault-token and reads ~/.vault; a private HOME keeps the developer's untouched.
  const home = mkdtempSync(join(tmpdir(), 'vault-exec-test-home-'));
  const args = [
    'server',
    '-dev',
    `-dev-root-token-id=${rootToken}`,
    `-dev-listen-address=127.0.0.1:${port}`,
    '-dev-no-store-token',
    ...(options.extraArgs ?? []),
  ];
  const env: NodeJS.ProcessEnv = {
    ...withoutVaultVariables(process.env),
    HOME: home,
    VAULT_DISABLE_USER_LOCKOUT: 'true',
    ...options.env,
  };

  let output = '';
  let child: ChildProcess;
  let unsealKey = '';

  const launch = async () => {
    const runStart = output.length;
    child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const current = child;
    current.on('exit', () => running.delete(current));
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    current.stdout?.on('data', collect);
    current.stderr?.on('data', collect);
    // Vault prints a new unseal key on every dev start, so only this run's banner counts.
    unsealKey = await waitUntilReady(
      addr,
      current,
      () => output.slice(runStart),
      () => output,
    );
  };

  const stop = async () => {
    await stopProcess(child);
  };

  await launch();

  return {
    addr,
    port,
    rootToken,
    get unsealKey() {
      return unsealKey;
    },
    admin: createVaultAdmin(addr, rootToken),
    async stop() {
      await stop();
      rmSync(home, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await launch();
    },
    logs: () => output,
  };
}

/**
 * Registers a server for the calling test file. Call the returned getter inside tests or hooks;
 * it throws if used before beforeAll has run.
 */
export function useVaultServer(options?: VaultServerOptions): () => VaultServer {
  let server: VaultServer | undefined;
  beforeAll(async () => {
    server = await startVaultServer(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined)
      throw new Error('useVaultServer(): the server is only available once beforeAll has run');
    return server;
  };
}

function resolveBinary(): string {
  // globalSetup provides the path so the build runs once per run; a file run outside that setup
  // (or a tool that does not honour provide) still gets a server, just built or found here.
  let provided: string | undefined;
  try {
    provided = inject('vaultBinary');
  } catch {
    provided = undefined;
  }
  return provided ?? vaultBinaryPath();
}

async function waitUntilReady(
  addr: string,
  child: ChildProcess,
  runOutput: () => string,
  allOutput: () => string,
): Promise<string> {
  const started = Date.now();
  const deadline = started + READY_DEADLINE_MS;
  let lastProblem = 'no response yet';

  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `Vault dev server exited before becoming ready (code ${child.exitCode}, signal ${child.signalCode}). Logs:\n${allOutput()}`,
      );
    }
    try {
      const response = await fetch(`${addr}/v1/sys/health`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      // The banner can trail the first 200 by a moment, so readiness also waits for the unseal key.
      const key = /Unseal Key: (\S+)/.exec(runOutput())?.[1];
      if (response.status === 200 && key !== undefined) return key;
      lastProblem = `sys/health answered ${response.status}${key === undefined ? ', unseal key not printed yet' : ''}`;
    } catch (error) {
      lastProblem = `sys/health failed: ${(error as Error).message}`;
    }
    await delay(POLL_INTERVAL_MS);
  }

  child.kill('SIGKILL');
  throw new Error(
    `Vault dev server at ${addr} was not ready within ${READY_DEADLINE_MS} ms (${lastProblem}). Logs:\n${allOutput()}`,
  );
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

// The OS picks a free port for us; the tiny window before Vault binds it is acceptable for tests.
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free loopback port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

// A developer's VAULT_ADDR / VAULT_TOKEN / VAULT_DEV_* must not change how the test server starts.
function withoutVaultVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(VAULT|BAO)_/.test(name)));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
