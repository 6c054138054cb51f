// A throwaway PostgreSQL cluster per test file: initdb into a temporary directory, the server on a
// free loopback port (nothing else: no other address, the unix socket inside that directory), a
// superuser with a password for Vault, and a database `app` with one table. Stopped and removed after
// the file, and also when the worker exits abruptly.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { rememberSecret } from './leak-scan';
import { postgresBinDir } from './postgres-binaries';
import { startCluster, stopCluster, waitUntilReady } from './postgres-process';
import { runPsql, type PgLogin, type PsqlResult } from './psql';
import { freeLoopbackPort } from './vault-server';

export const DATABASE = 'app';
export const SUPERUSER = 'vault_admin';

export interface PostgresServer {
  port: number;
  /** The postmaster's pid. */
  pid: number;
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

export async function startPostgres(): Promise<PostgresServer> {
  const binDir = resolveBinDir();
  const bin = (program: string) => join(binDir, program);
  const superuser: PgLogin = { user: SUPERUSER, password: rememberSecret(randomPassword()) };
  const port = await freeLoopbackPort();
  const cluster = startCluster({ binDir, port, superuser });

  const psql = (sql: string, login: PgLogin, database = DATABASE) =>
    runPsql(bin('psql'), { port, database, login, sql });
  const query = async (sql: string, login: PgLogin = superuser): Promise<string> => {
    const result = await psql(sql, login);
    if (result.code !== 0) throw new Error(`psql as ${login.user} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim();
  };

  const server: PostgresServer = {
    port,
    pid: cluster.child.pid ?? 0,
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
    stop: () => stopCluster(cluster),
    logs: cluster.output,
  };

  try {
    await waitUntilReady(cluster, binDir, port);
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

/** Letters and digits only, so it needs no quoting in SQL or percent-encoding in a URL. */
function randomPassword(): string {
  return `pg${randomBytes(16).toString('hex')}`;
}
