import { expect, test } from 'vitest';
import { parseSecretMapping } from '../../../src/cli/secret-references';
import { createLogger } from '../../../src/util/log';
import type { RequestOptions, VaultClient, VaultResponse } from '../../../src/vault/http/client';
import { readSecrets, type Lease } from '../../../src/vault/secrets';

const log = createLogger({ level: 'error', format: 'text', write: () => {} });

/** KV v1 at secret/: `missing` answers 404 at once, `slow` answers with a lease when released. */
function clientWithOneSlowRead() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const client: VaultClient = {
    address: 'http://vault.test:8200',
    async request(_method: string, path: string, _options?: RequestOptions): Promise<VaultResponse> {
      if (path.startsWith('sys/internal/ui/mounts/'))
        return { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '1' } } } };
      if (path === 'secret/missing') return { status: 404, body: { errors: [] } };
      await released;
      return {
        status: 200,
        body: { lease_id: 'secret/slow/1', lease_duration: 60, renewable: true, data: { v: 'x' } },
      };
    },
  };
  return { client, release };
}

test('a failed read is thrown only once the reads in flight have settled, each lease reported', async () => {
  const { client, release } = clientWithOneSlowRead();
  const leases: Lease[] = [];
  let settled = false;
  const reading = readSecrets({
    client,
    token: 't',
    mappings: [parseSecretMapping('A=secret/slow#v'), parseSecretMapping('B=secret/missing#v')],
    imports: [],
    templates: [],
    log,
    onLease: (lease) => leases.push(lease),
  }).finally(() => (settled = true));
  reading.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(settled).toBe(false);
  release();
  await expect(reading).rejects.toThrow(/secret not found/);
  expect(leases.map((lease) => lease.id)).toEqual(['secret/slow/1']);
});

test('once aborted, no further path is read', async () => {
  const { client, release } = clientWithOneSlowRead();
  const requested: string[] = [];
  const counting: VaultClient = {
    address: client.address,
    request: (method, path, options) => (requested.push(path), client.request(method, path, options)),
  };
  const stop = new AbortController();
  const reading = readSecrets({
    client: counting,
    token: 't',
    mappings: ['A', 'B', 'C', 'D', 'E'].map((name) => parseSecretMapping(`${name}=secret/slow${name}#v`)),
    imports: [],
    templates: [],
    log,
    signal: stop.signal,
  });
  reading.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 20));
  stop.abort(new Error('stopped'));
  release();
  await expect(reading).rejects.toThrow('stopped');
  // Four at a time: the fifth was never started.
  expect(requested.filter((path) => !path.startsWith('sys/'))).toHaveLength(4);
});

/** Reads `count` KV v1 paths under one mount through a client that answers at once; wall milliseconds. */
async function timeReading(count: number): Promise<number> {
  const client: VaultClient = {
    address: 'http://vault.test:8200',
    async request(_method: string, path: string): Promise<VaultResponse> {
      if (path.startsWith('sys/internal/ui/mounts/'))
        return { status: 200, body: { data: { path: 'secret/', type: 'kv', options: { version: '1' } } } };
      return { status: 200, body: { data: { v: path } } };
    },
  };
  const mappings = Array.from({ length: count }, (_, index) =>
    parseSecretMapping(`S${index}=secret/p${index}#v`),
  );
  const started = performance.now();
  const { values } = await readSecrets({ client, token: 't', mappings, imports: [], templates: [], log });
  expect(values.size).toBe(count);
  return performance.now() - started;
}

test('the time to read grows linearly with the number of paths, not with its square', async () => {
  await timeReading(2_000); // warm-up: the first run pays for compiling
  const few = Math.min(await timeReading(2_000), await timeReading(2_000));
  const many = await timeReading(20_000);
  // Ten times the paths: about 10× the time when linear, about 100× when quadratic.
  expect(many / few).toBeLessThan(35);
});
