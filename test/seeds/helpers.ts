// Small process helpers for the seeds tests. test/support/processes.ts starts `node <args>`; these
// tests also run a shell script, the migration, Python and the standalone binary, so they need to
// start any program, with an exact environment (no inherited PATH where the test says so).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../support/processes';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; never throws on a non-zero exit (tests assert on the code). */
export function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env, cwd: repoRoot, timeout: timeoutMs, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({
          code,
          stdout,
          stderr: stderr + (code === null && error ? `\n[run] ${error.message}` : ''),
        });
      },
    );
  });
}

export interface Program {
  output(): string;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<number>();

/** Starts a long-running program in its own process group, so stopAllPrograms() reaches its children. */
export function startProgram(file: string, args: string[], env: NodeJS.ProcessEnv): Program {
  const child = spawn(file, args, { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  if (child.pid !== undefined) started.add(child.pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (error) => {
      text += `\n[spawn error] ${error.message}`;
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      if (child.pid !== undefined) started.delete(child.pid);
      resolve({ code, signal });
    });
  });
  return { output: () => text, kill: (signal) => child.kill(signal), exited };
}

/** SIGKILLs the process group of every program still running (a failed test must not leak servers). */
export function stopAllPrograms(): void {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  started.clear();
}

/** Waits until GET url answers 200, failing early (with the program's output) if the program exits. */
export async function waitForHealthy(url: string, program: Program, timeoutMs = 30_000): Promise<void> {
  let gone = false;
  void program.exited.then(() => (gone = true));
  await waitFor(
    async () => {
      if (gone) throw new Error(`the program exited before ${url} answered:\n${program.output()}`);
      const response = await fetch(url).catch(() => undefined);
      await response?.body?.cancel();
      return response?.status === 200;
    },
    {
      timeoutMs,
      intervalMs: 100,
      message: `${url} did not answer 200 within ${timeoutMs} ms:\n${program.output()}`,
    },
  );
}

/** The cached venv with Flask and check-jsonschema (scripts/ensure-python-env prints its path last). */
export function pythonEnv(): string {
  const stdout = execFileSync(`${repoRoot}scripts/ensure-python-env`, [], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  return stdout.trim().split('\n').at(-1)!;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
    server.on('error', reject);
  });
}
