// Helpers for tests that run real processes (the built CLI or a fixture script) and watch their output.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { rememberCliRun } from './leak-scan';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  pid: number;
  stdout(): string;
  stderr(): string;
  waitForOutput(
    pattern: RegExp | string,
    options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number },
  ): Promise<string>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<Exit>;
  /**
   * The exit status alone, as soon as the process exits: for a test whose stray grandchild holds the
   * pipes open, where `exited` would wait out the drain grace for output the test already has.
   */
  status: Promise<Pick<Exit, 'code' | 'signal'>>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const supportDir = path.dirname(fileURLToPath(import.meta.url));
export const bundlePath = path.resolve(supportDir, '../../dist/vault-exec.cjs');

/**
 * The command line that runs the vault-exec under test, before its own arguments. By default the
 * bundle on the Node running the tests; VAULT_EXEC_TEST_BINARY runs a standalone binary instead, and
 * VAULT_EXEC_TEST_NODE the bundle on another Node (scripts/ensure-node), so the same black-box tests
 * check every artifact a user installs (`npm run test:artifacts`).
 */
export const cliCommand: readonly string[] = selectCliCommand(process.env);

export function selectCliCommand(env: NodeJS.ProcessEnv): string[] {
  const binary = env.VAULT_EXEC_TEST_BINARY;
  if (binary) return [path.resolve(binary)];
  return [env.VAULT_EXEC_TEST_NODE ? path.resolve(env.VAULT_EXEC_TEST_NODE) : process.execPath, bundlePath];
}

/** True when the tests run a standalone binary, not the bundle on a Node. */
export const testsStandaloneBinary = Boolean(process.env.VAULT_EXEC_TEST_BINARY);
export const fixture = (name: string): string => path.join(supportDir, 'children', name);

const DEFAULT_TIMEOUT_MS = 10_000;
// A grandchild that inherited our pipes can hold them open long after the process we started has
// exited; past this grace we report the exit with whatever output arrived instead of waiting for it.
const PIPE_DRAIN_GRACE_MS = 2_000;

const started = new Set<{ pid: number; done: boolean }>();

/** Runs `node <args>`; the building block for startCli and for running fixtures directly. */
export function startNode(args: string[], options: StartOptions = {}): Running {
  return startCommand([process.execPath, ...args], options);
}

function startCommand(commandLine: readonly string[], options: StartOptions): Running {
  const [command = process.execPath, ...args] = commandLine;
  // Detached puts the process in its own group, so killAllStarted can also reach anything it forked.
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}`);
  const pid = child.pid;
  const entry = { pid, done: false };
  started.add(entry);

  const text = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text.stdout += chunk;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    text.stderr += chunk;
    notify();
  });

  const status = new Promise<Pick<Exit, 'code' | 'signal'>>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const exited = new Promise<Exit>((resolve) => {
    let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(graceTimer);
      entry.done = true;
      resolve({ ...(status ?? { code: null, signal: null }), ...text });
      notify();
    };
    child.on('exit', (code, signal) => {
      status = { code, signal };
      graceTimer = setTimeout(finish, PIPE_DRAIN_GRACE_MS);
    });
    child.on('close', finish);
    child.on('error', (error) => {
      text.stderr += `\n[spawn error] ${error.message}\n`;
      finish();
    });
  });

  const describe = (): string => `--- stdout ---\n${text.stdout}\n--- stderr ---\n${text.stderr}`;

  const waitForOutput: Running['waitForOutput'] = (pattern, waitOptions = {}) => {
    const stream = waitOptions.stream ?? 'stdout';
    const timeoutMs = waitOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const find = (): string | undefined =>
      typeof pattern === 'string'
        ? text[stream].includes(pattern)
          ? pattern
          : undefined
        : text[stream].match(pattern)?.[0];

    return new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found !== undefined) {
          cleanup();
          resolve(found);
        } else if (entry.done) {
          // No more output can come, so fail now rather than at the deadline.
          cleanup();
          reject(
            new Error(`process ${pid} exited before ${stream} matched ${String(pattern)}\n${describe()}`),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out after ${timeoutMs}ms waiting for ${stream} to match ${String(pattern)}\n${describe()}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  };

  return {
    pid,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    waitForOutput,
    kill: (signal) => {
      // ChildProcess.kill is a no-op once the process is reaped, so a recycled pid is never hit.
      child.kill(signal);
    },
    exited,
    status,
  };
}

/** Runs the vault-exec under test: `node dist/vault-exec.cjs <args>` unless cliCommand says otherwise. */
export function startCli(args: string[], options: StartOptions = {}): Running {
  const running = startCommand([...cliCommand, ...args], options);
  rememberCliRun(running);
  return running;
}

/** Waits for the process to exit; SIGKILLs it and rejects if it outlives the deadline. */
export async function waitForExit(running: Running, timeoutMs = 30_000): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.kill('SIGKILL');
      reject(
        new Error(
          `process ${running.pid} still running after ${timeoutMs}ms; killed\n` +
            `--- stdout ---\n${running.stdout()}\n--- stderr ---\n${running.stderr()}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([running.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function runCli(args: string[], options: StartOptions & { timeoutMs?: number } = {}): Promise<Exit> {
  return waitForExit(startCli(args, options), options.timeoutMs);
}

export function runNode(args: string[], options: StartOptions & { timeoutMs?: number } = {}): Promise<Exit> {
  return waitForExit(startNode(args, options), options.timeoutMs);
}

/** SIGKILLs the process group of everything started here, including orphans they left behind. */
export function killAllStarted(): void {
  for (const entry of started) {
    // Once reaped, the bare pid may belong to someone else; only its group id is still reserved.
    for (const target of entry.done ? [-entry.pid] : [-entry.pid, entry.pid]) {
      try {
        process.kill(target, 'SIGKILL');
        break;
      } catch {
        // ESRCH: already gone.
      }
    }
  }
  started.clear();
}

// Detached groups do not die with the test worker, so a crashed or interrupted run must not leak them.
process.on('exit', killAllStarted);

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Orphans are re-parented to an init that may never reap them; a zombie has exited, so say so.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) {
      throw new Error(options.message ?? `condition not met within ${timeoutMs}ms`);
    }
    await delay(options.intervalMs ?? 25);
  }
}
