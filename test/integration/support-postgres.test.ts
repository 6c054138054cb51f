// Checks the PostgreSQL harness and Vault's database engine on it, without vault-exec: when a
// database test fails, this file says whether the fault is in the setup or in the code under test.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../support/postgres-server';
import {
  dynamicUsers,
  enableDatabaseEngine,
  readStaticCredentials,
  rotateStaticRole,
  writeDynamicRole,
  writeStaticRole,
} from '../support/vault-database';
import { waitFor } from '../support/processes';
import { rememberSecret } from '../support/leak-scan';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const pg = usePostgres();

describe('the PostgreSQL test harness', () => {
  it('runs a cluster that listens on 127.0.0.1 only, as an unprivileged user, with the app database', async () => {
    const settings = await pg().query(
      "SELECT setting FROM pg_settings WHERE name IN ('listen_addresses', 'port') ORDER BY name",
    );
    expect(settings).toBe(`127.0.0.1\n${pg().port}`);
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pg().pid}/status`, 'utf8'))?.[1];
    expect(Number(uid)).not.toBe(0);
    expect(await pg().query('SELECT current_database(), count(*) FROM items')).toBe('app|2');
  });

  it('refuses a login with a wrong password', async () => {
    const result = await pg().attempt('SELECT 1', {
      user: pg().superuser.user,
      password: 'not-the-password',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('password authentication failed');
  });

  it('lets Vault mint a PostgreSQL user per read and drop it when the lease is revoked', async () => {
    await enableDatabaseEngine(vault(), pg());
    const path = await writeDynamicRole(vault(), { defaultTtl: '1m', maxTtl: '5m' });
    const read = await vault().admin.request('GET', path);
    expect(read.status).toBe(200);
    const login = { user: read.body.data.username, password: rememberSecret(read.body.data.password) };
    expect(await dynamicUsers(pg())).toEqual([login.user]);
    expect(await pg().query('SELECT current_user, count(*) FROM items', login)).toBe(`${login.user}|2`);

    await vault().admin.request('POST', 'sys/leases/revoke', { lease_id: read.body.lease_id });
    await waitFor(async () => (await dynamicUsers(pg())).length === 0, {
      timeoutMs: 10_000,
      message: 'the revoked lease left its PostgreSQL user behind',
    });
  });

  it("rotates a static role's password in PostgreSQL on demand", async () => {
    await enableDatabaseEngine(vault(), pg());
    const first = await writeStaticRole(vault(), pg(), {
      name: 'static-app',
      username: 'static_app',
      rotationPeriod: '1h',
    });
    expect(await pg().query('SELECT current_user', first)).toBe('static_app');
    const second = await rotateStaticRole(vault(), 'static-app');
    expect(second.password).not.toBe(first.password);
    expect(second.lastVaultRotation).not.toBe(first.lastVaultRotation);
    expect(await pg().query('SELECT current_user', second)).toBe('static_app');
    expect((await pg().attempt('SELECT 1', first)).code).not.toBe(0);
    expect((await readStaticCredentials(vault(), 'static-app')).password).toBe(second.password);
  });
});
