// Vault's database secrets engine against the file's real PostgreSQL, through the admin API: the
// postgresql-database-plugin is built into the server, so nothing is registered. A dynamic role mints
// a LOGIN role per read (dropped when its lease ends); a static role rotates an existing role's password.
import { rememberSecret } from './leak-scan';
import { DATABASE, SUPERUSER, type PostgresServer } from './postgres-server';
import type { PgLogin } from './psql';
import type { VaultServer } from './vault-server';

export const DATABASE_MOUNT = 'database';
/** The name of the connection in Vault (database/config/<name>). */
export const CONNECTION = 'app';

/** Vault names dynamic users `v-<display name>-<role>-<random>-<time>` by default. */
export const DYNAMIC_USER = /^v-/;

const CREATION_STATEMENTS = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
  `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
];

export interface StaticCredentials extends PgLogin {
  lastVaultRotation: string;
}

/** Mounts the engine (once per server) and points a connection at the cluster's `app` database. */
export async function enableDatabaseEngine(vault: VaultServer, pg: PostgresServer): Promise<void> {
  const mounted = await vault.admin.request('POST', `sys/mounts/${DATABASE_MOUNT}`, { type: 'database' });
  const inUse = JSON.stringify(mounted.body ?? '').includes('path is already in use');
  if (mounted.status >= 300 && !inUse) throw failure('mount the database engine', mounted);
  await must(vault, `${DATABASE_MOUNT}/config/${CONNECTION}`, {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${pg.port}/${DATABASE}?sslmode=disable`,
    username: SUPERUSER,
    password: pg.superuser.password,
    allowed_roles: '*',
    verify_connection: true,
  });
}

/** A dynamic role: each read of database/creds/<name> creates a PostgreSQL user with this lease. */
export async function writeDynamicRole(
  vault: VaultServer,
  options: { name?: string; defaultTtl: string; maxTtl: string },
): Promise<string> {
  const name = options.name ?? 'app';
  await must(vault, `${DATABASE_MOUNT}/roles/${name}`, {
    db_name: CONNECTION,
    creation_statements: CREATION_STATEMENTS,
    default_ttl: options.defaultTtl,
    max_ttl: options.maxTtl,
  });
  return `${DATABASE_MOUNT}/creds/${name}`;
}

/**
 * A static role over a PostgreSQL role created here (as an operator would before handing it to
 * Vault). Vault rotates its password at once and then every `rotationPeriod` (5 s at least).
 */
export async function writeStaticRole(
  vault: VaultServer,
  pg: PostgresServer,
  options: { name: string; username: string; rotationPeriod: string },
): Promise<StaticCredentials> {
  await pg.createLoginRole(options.username);
  await must(vault, `${DATABASE_MOUNT}/static-roles/${options.name}`, {
    db_name: CONNECTION,
    username: options.username,
    rotation_period: options.rotationPeriod,
  });
  return readStaticCredentials(vault, options.name);
}

/** What a client reading database/static-creds/<name> gets now; the password joins the leak scan. */
export async function readStaticCredentials(vault: VaultServer, name: string): Promise<StaticCredentials> {
  const path = `${DATABASE_MOUNT}/static-creds/${name}`;
  const response = await vault.admin.request('GET', path);
  if (response.status !== 200) throw failure(`read ${path}`, response);
  const data = response.body.data;
  return {
    user: String(data.username),
    password: rememberSecret(String(data.password)),
    lastVaultRotation: String(data.last_vault_rotation),
  };
}

/** Rotates a static role's password now, as an operator (or a compromise response) would. */
export async function rotateStaticRole(vault: VaultServer, name: string): Promise<StaticCredentials> {
  await must(vault, `${DATABASE_MOUNT}/rotate-role/${name}`, {});
  return readStaticCredentials(vault, name);
}

/** The PostgreSQL users Vault created for dynamic leases and has not dropped (yet). */
export async function dynamicUsers(pg: PostgresServer): Promise<string[]> {
  return (await pg.roleNames()).filter((name) => DYNAMIC_USER.test(name));
}

/** How many leases of `credsPath` (e.g. database/creds/app) Vault holds right now. */
export async function leaseCount(vault: VaultServer, credsPath: string): Promise<number> {
  const list = await vault.admin.request('GET', `sys/leases/lookup/${credsPath}/?list=true`);
  return list.status === 404 ? 0 : (list.body.data.keys as string[]).length;
}

/** The `DATABASE_URL` template an app is configured with: one read of `credsPath` fills both parts. */
export function databaseUrlTemplate(pg: PostgresServer, credsPath = `${DATABASE_MOUNT}/creds/app`): string {
  return `postgresql://\${vault:${credsPath}#username}:\${vault:${credsPath}#password}@127.0.0.1:${pg.port}/${DATABASE}`;
}

async function must(vault: VaultServer, path: string, body: unknown): Promise<void> {
  const response = await vault.admin.request('POST', path, body);
  if (response.status < 200 || response.status >= 300) throw failure(`write ${path}`, response);
}

function failure(what: string, response: { status: number; body: unknown }): Error {
  return new Error(`could not ${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
}
