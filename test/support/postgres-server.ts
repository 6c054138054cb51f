// A throwaway PostgreSQL cluster per test file: initdb into a temporary directory, the server on a
// free loopback port (nothing else: no other address, the unix socket inside that directory), a
// superuser with a password for Vault, and a database `app` with one table. Stopped and removed after
// the file, and also when the worker exits abruptly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, inject } from 'vitest';
import { rememberSecret } from './leak-scan';
import { postgresBinDir } from './postgres-binaries';
import { freeLoopbackPort } from './vault-server';
import { runPsql, type PgLogin, type PsqlResult } from './psql';

export const DATABASE = 'app';
export const SUPERUSER = 'vault_admin';

export interface PostgresServer {
  port: number;
  superuser: PgLogin;
  /** Path of a PostgreSQL program (psql, pg_isready...) of the version the server runs. */
  bin(program: string): string;
  /** `postgresql://user:password@127.0.0.1:PORT/app`, as the app would be given it. */
  url(login: PgLogin): string;
  /** Runs SQL (over TCP, with a password, as a client would) and returns psql's unaligned rows. */
  query(sql: string, login?: PgLogin): Promise<string>;
  /** Like query, but never throws: for asserting that a login is refused. */
  attempt(sql: string, login?: PgLogin): Promise<PsqlResult>;
  /** Every role that is not built in, not the superuser: what Vault created and did not drop. */
  roleNames(): Promise<string[]>;
  /** An existing LOGIN role, as an operator would create one before handing it to a static role. */
  createLoginRole(name: string): Promise<PgLogin>;
  stop(): Promise<void>;
  logs(): string;
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

const running = new Map<ChildProcess, string>();
process.on('exit', () => {
  // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its backends with it.
  for (const [child, dir] of running) {
    child.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  }
});

export async function startPostgres(): Promise<PostgresServer> {
  const binDir = resolveBinDir();
  const bin = (program: string) => join(binDir, program);
  const owner = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-test-pg-'));
  const dataDir = join(dir, 'data');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const superuser: PgLogin = { user: SUPERUSER, password: rememberSecret(randomPassword()) };

  const passwordFile = join(dir, 'superuser-password');
  writeFileSync(passwordFile, superuser.password, { mode: 0o600 });
  if (owner) chownSync(passwordFile, owner.uid, owner.gid);
  const env = { PATH: process.env.PATH, LC_ALL: 'C', HOME: dir };
  try {
    execFileSync(
      ...asOwner(owner, bin('initdb'), [
        ...['-D', dataDir, '-U', SUPERUSER, `--pwfile=${passwordFile}`],
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

  const port = await freeLoopbackPort();
  const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  for (const setting of SERVER_SETTINGS) args.push('-c', setting);
  const child = spawn(...asOwner(owner, bin('postgres'), args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, dir);
  child.on('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

  const psql = (sql: string, login: PgLogin, database = DATABASE) =>
    runPsql(bin('psql'), { port, database, login, sql });
  const query = async (sql: string, login: PgLogin = superuser): Promise<string> => {
    const result = await psql(sql, login);
    if (result.code !== 0) throw new Error(`psql as ${login.user} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim();
  };

  const server: PostgresServer = {
    port,
    superuser,
    bin,
    url: (login) => `postgresql://${login.user}:${login.password}@127.0.0.1:${port}/${DATABASE}`,
    query,
    attempt: (sql, login = superuser) => psql(sql, login),
    async roleNames() {
      const rows = await query(
        `SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> '${SUPERUSER}' ORDER BY 1`,
      );
      return rows === '' ? [] : rows.split('\n');
    },
    async createLoginRole(name) {
      const login = { user: name, password: rememberSecret(randomPassword()) };
      await query(
        `CREATE ROLE "${name}" WITH LOGIN PASSWORD '${login.password}';\n` +
          `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${name}";`,
      );
      return login;
    },
    async stop() {
      await stopServer(child);
      rmSync(dir, { recursive: true, force: true });
    },
    logs: () => output,
  };

  try {
    await waitUntilReady(bin('pg_isready'), port, child, () => output);
    const created = await psql(`CREATE DATABASE ${DATABASE};`, superuser, 'postgres');
    if (created.code !== 0) throw new Error(`CREATE DATABASE failed: ${created.stderr}`);
    await query(
      "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);\nINSERT INTO items VALUES (1, 'first'), (2, 'second');",
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Registers a cluster for the calling test file; the getter throws if used before beforeAll ran. */
export function usePostgres(): () => PostgresServer {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined)
      throw new Error('usePostgres(): the server is only available once beforeAll has run');
    return server;
  };
}

function resolveBinDir(): string {
  try {
    return inject('postgresBinDir') ?? postgresBinDir();
  } catch {
    return postgresBinDir();
  }
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

async function waitUntilReady(
  pgIsready: string,
  port: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `PostgreSQL exited before accepting connections (code ${child.exitCode}). Logs:\n${output()}`,
      );
    const ready = await new Promise<boolean>((resolve) => {
      const probe = spawn(pgIsready, ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2'], {
        stdio: 'ignore',
      });
      probe.on('exit', (code) => resolve(code === 0));
      probe.on('error', () => resolve(false));
    });
    if (ready) return;
    await delay(POLL_INTERVAL_MS);
  }
  throw new Error(
    `PostgreSQL on 127.0.0.1:${port} did not accept connections within ${READY_DEADLINE_MS} ms. Logs:\n${output()}`,
  );
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGINT is the fast shutdown: sessions are ended, nothing waits for clients to disconnect.
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Letters and digits only, so it needs no quoting in SQL or percent-encoding in a URL. */
function randomPassword(): string {
  return `pg${randomBytes(16).toString('hex')}`;
}
