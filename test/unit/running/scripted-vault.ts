// An injected VaultClient for unit tests of the running phase's logic: a few endpoints answered from
// in-memory state, with every request recorded. Integration tests use the real Vault server instead.
import type { ChildProcess } from '../../../src/child/spawn';
import type { RequestOptions, VaultClient, VaultResponse } from '../../../src/vault/http/client';

export interface ScriptedVault extends VaultClient {
  /** "GET secret/data/app", "PUT sys/leases/revoke database/creds/app/1", ... in order. */
  calls: string[];
  writeKv2(path: string, data: Record<string, unknown>): void;
  rotateStaticRole(role: string): void;
  /** API paths answered with 403 until allowed again. */
  denied: Set<string>;
  /** Dynamic credentials: lease TTL and max TTL in seconds. */
  leaseTtl: number;
  leaseMaxTtl: number;
  /** Token TTL and max TTL in seconds for AppRole (and aws) logins. */
  tokenTtl: number;
  tokenMaxTtl: number;
  /** PKI: the TTL in seconds of each certificate pki/issue/web issues. */
  certificateTtl: number;
}

export function createScriptedVault(now: () => number = Date.now): ScriptedVault {
  const kv = new Map<string, { version: number; data: Record<string, unknown> }>();
  const statics = new Map<string, { password: string; rotatedAt: number }>();
  const leases = new Map<string, { maxAt: number }>();
  const tokens = new Map<string, { maxAt: number }>();
  let serial = 0;
  const ok = (body: unknown): VaultResponse => ({ status: 200, body });
  const denied = (): VaultResponse => ({ status: 403, body: { errors: ['permission denied'] } });

  const vault: ScriptedVault = {
    address: 'http://vault.test:8200',
    calls: [],
    denied: new Set(),
    leaseTtl: 60,
    leaseMaxTtl: 3600,
    tokenTtl: 600,
    tokenMaxTtl: 3600,
    certificateTtl: 90,
    writeKv2(path, data) {
      kv.set(`secret/data/${path}`, { version: (kv.get(`secret/data/${path}`)?.version ?? 0) + 1, data });
    },
    rotateStaticRole(role) {
      statics.set(role, { password: `static-password-${++serial}`, rotatedAt: now() });
    },
    async request(method, path, options: RequestOptions = {}) {
      const body = options.body ?? {};
      const subject = body.lease_id ?? body.serial_number;
      vault.calls.push(`${method} ${path}${typeof subject === 'string' ? ` ${subject}` : ''}`);
      if (vault.denied.has(path)) return denied();
      const mount = path.match(/^sys\/internal\/ui\/mounts\/([^/]+)\//)?.[1];
      if (mount === 'secret') return ok({ data: { path: 'secret/', type: 'kv', options: { version: '2' } } });
      if (mount === 'database') return ok({ data: { path: 'database/', type: 'database' } });
      const metadata = kv.get(path.replace(/^secret\/metadata\//, 'secret/data/'));
      if (method === 'GET' && path.startsWith('secret/metadata/') && metadata)
        return ok({ data: { current_version: metadata.version } });
      if (method === 'GET' && kv.has(path)) {
        const entry = kv.get(path)!;
        return ok({ data: { data: entry.data, metadata: { version: entry.version } } });
      }
      if (method === 'GET' && path.startsWith('database/creds/')) {
        const id = `${path}/${++serial}`;
        leases.set(id, { maxAt: now() + vault.leaseMaxTtl * 1000 });
        return ok({
          lease_id: id,
          lease_duration: vault.leaseTtl,
          renewable: true,
          data: { username: `user-${serial}`, password: `password-${serial}` },
        });
      }
      const role = path.match(/^database\/static-creds\/(.+)$/)?.[1];
      if (method === 'GET' && role && statics.has(role)) {
        const entry = statics.get(role)!;
        const ttl = 3600 - Math.floor((now() - entry.rotatedAt) / 1000);
        return ok({
          data: {
            username: role,
            password: entry.password,
            last_vault_rotation: new Date(entry.rotatedAt).toISOString(),
            ttl,
          },
        });
      }
      if (method === 'PUT' && path === 'pki/issue/web') {
        const n = ++serial;
        return ok({
          data: {
            certificate: `certificate-${n}`,
            private_key: `private-key-${n}`,
            ca_chain: ['ca'],
            serial_number: `serial-${n}`,
            expiration: Math.floor(now() / 1000) + vault.certificateTtl,
          },
        });
      }
      if (method === 'PUT' && path === 'pki/revoke') return ok({ data: {} });
      if (method === 'GET' && path === 'database/roles/app') return ok({ data: { db_name: 'pg' } });
      if (path === 'sys/leases/renew') {
        const lease = leases.get(String(body.lease_id));
        if (!lease) return { status: 400, body: { errors: ['lease not found'] } };
        const left = Math.floor((lease.maxAt - now()) / 1000);
        return ok({ lease_id: body.lease_id, lease_duration: Math.min(Number(body.increment), left) });
      }
      if (path === 'sys/leases/revoke') {
        leases.delete(String(body.lease_id));
        return { status: 204, body: null };
      }
      if (/^auth\/(approle|aws)\/login$/.test(path)) {
        const token = `token-${++serial}`;
        tokens.set(token, { maxAt: now() + vault.tokenMaxTtl * 1000 });
        return ok({ auth: { client_token: token, lease_duration: vault.tokenTtl, renewable: true } });
      }
      if (path === 'sys/health') return ok({ initialized: true, sealed: false, standby: false });
      if (path === 'auth/token/lookup-self') return ok({ data: { ttl: 0, renewable: false } });
      if (path === 'auth/token/renew-self') {
        const token = tokens.get(options.token ?? '');
        if (!token) return denied();
        const left = Math.floor((token.maxAt - now()) / 1000);
        return ok({ auth: { lease_duration: Math.min(parseInt(String(body.increment), 10), left) } });
      }
      if (path === 'auth/token/revoke-self') {
        tokens.delete(options.token ?? '');
        for (const id of leases.keys()) leases.delete(id);
        return { status: 204, body: null };
      }
      return { status: 404, body: { errors: [] } };
    },
  };
  return vault;
}

export interface FakeChild extends ChildProcess {
  env: Record<string, string>;
  signals: string[];
  exited: boolean;
}

/** Children that exit when signalled; each one is recorded with the env it was given. */
export function createFakeChildren(calls: string[]): {
  children: FakeChild[];
  spawn(command: string[], env: Record<string, string>): ChildProcess;
} {
  const children: FakeChild[] = [];
  return {
    children,
    spawn(_command, env) {
      let finish!: (result: { code: number }) => void;
      const child: FakeChild = {
        pid: 1000 + children.length,
        env,
        signals: [],
        exited: false,
        done: new Promise((resolve) => (finish = resolve)),
        kill(signal) {
          if (child.exited) return false;
          child.signals.push(signal);
          calls.push(`kill child ${children.indexOf(child)} ${signal}`);
          // A child that re-reads its files on its reload signal keeps running.
          if (signal === 'SIGHUP') return true;
          child.exited = true;
          queueMicrotask(() => finish({ code: 0 }));
          return true;
        },
      };
      calls.push(`spawn child ${children.length}`);
      children.push(child);
      return child;
    },
  };
}
