// The PostgreSQL server as a process: initdb into a temporary directory, the postmaster as a direct
// child of the test worker (as an unprivileged user when the tests run as root), a readiness wait
// with a deadline, and a stop. postgres-server.ts builds the tests' API on top of it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface ClusterProcess {
  child: ChildProcess;
  /** The temporary directory: the data directory and the unix socket are inside. */
  dir: string;
  output(): string;
}

const READY_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 50;
const STOP_GRACE_MS = 10_000;
// A throwaway cluster needs neither durability nor much memory; the machine's cores are shared.
const SERVER_SETTINGS = [
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'shared_buffers=16MB',
];

// A crashed or timed-out test file must not leave clusters running or data directories behind.
const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its backends with it.
  for (const [child, dir] of running) {
    child.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** initdb with `superuser` (password authentication only), then the server on 127.0.0.1:`port`. */
export function startCluster(options: {
  binDir: string;
  port: number;
  superuser: { user: string; password: string };
}): ClusterProcess {
  const { binDir, port, superuser } = options;
  const owner = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-test-pg-'));
  const dataDir = join(dir, 'data');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const env = { PATH: process.env.PATH, LC_ALL: 'C', HOME: dir };

  // initdb takes the password from a file only; it lives until initdb has read it.
  const passwordFile = join(dir, 'superuser-password');
  writeFileSync(passwordFile, superuser.password, { mode: 0o600 });
  if (owner) chownSync(passwordFile, owner.uid, owner.gid);
  try {
    execFileSync(
      ...asOwner(owner, join(binDir, 'initdb'), [
        ...['-D', dataDir, '-U', superuser.user, `--pwfile=${passwordFile}`],
        ...['--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'],
      ]),
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`initdb failed: ${stderr || (error as Error).message}`, { cause: error });
  } finally {
    rmSync(passwordFile, { force: true });
  }

  const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  for (const setting of SERVER_SETTINGS) args.push('-c', setting);
  const child = spawn(...asOwner(owner, join(binDir, 'postgres'), args), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.set(child, dir);
  child.on('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, dir, output: () => output };
}

/** Polls pg_isready until the server accepts connections; fails early if it exited. */
export async function waitUntilReady(cluster: ClusterProcess, binDir: string, port: number): Promise<void> {
  const { child } = cluster;
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `PostgreSQL exited before accepting connections (code ${child.exitCode}). Logs:\n${cluster.output()}`,
      );
    const ready = await new Promise<boolean>((resolve) => {
      const probe = spawn(
        join(binDir, 'pg_isready'),
        ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2'],
        {
          stdio: 'ignore',
        },
      );
      probe.on('exit', (code) => resolve(code === 0));
      probe.on('error', () => resolve(false));
    });
    if (ready) return;
    await delay(POLL_INTERVAL_MS);
  }
  throw new Error(
    `PostgreSQL on 127.0.0.1:${port} did not accept connections within ${READY_DEADLINE_MS} ms. Logs:\n${cluster.output()}`,
  );
}

/** Fast shutdown (SIGINT: sessions are ended, nobody is waited for), SIGKILL past a grace; then rm. */
export async function stopCluster(cluster: ClusterProcess): Promise<void> {
  const { child } = cluster;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
  rmSync(cluster.dir, { recursive: true, force: true });
}

/** PostgreSQL refuses to run as root; as root, the server runs as the package's user (or nobody). */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user; try the next
    }
  }
  throw new Error('running as root, but neither a postgres nor a nobody user exists to run PostgreSQL');
}

/** setpriv execs the program itself (no fork), so the process we hold is the postmaster. */
function asOwner(
  owner: { uid: number; gid: number } | undefined,
  program: string,
  args: string[],
): [string, string[]] {
  if (!owner) return [program, args];
  return ['setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', program, ...args]];
}
