// VaultClient over node-vault and our transport, against a local recording server (not a Vault
// stand-in: it answers fixed statuses so the test can see what node-vault would otherwise hide).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createVaultClient, type VaultClient } from '../../../../src/vault/http/client';

const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
let server: Server;
let client: VaultClient;
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(status === 204 ? '' : JSON.stringify({ errors: status === 200 ? undefined : ['nope'] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // node-vault reads these from the environment the child shares; vault-exec must not send them.
  Object.assign(process.env, {
    VAULT_TOKEN: 'hvs.FROM-THE-ENVIRONMENT',
    VAULT_NAMESPACE: 'env-namespace',
    VAULT_PREFIX: '/env-prefix',
  });
  client = createVaultClient({
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    namespace: 'team',
    tls: { skipVerify: false },
    timeoutMs: 2_000,
    env: {},
    log: { redact: () => {} },
  });
});
afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

test('a request without a token carries none, not even VAULT_TOKEN from the environment', async () => {
  const answer = await client.request('GET', 'sys/health', {
    query: { status: '429' },
    withNamespace: false,
  });
  expect(answer).toEqual({ status: 429, body: { errors: ['nope'] } });
  const request = seen.at(-1)!;
  expect(request.url).toBe('/v1/sys/health?status=429');
  expect(request.headers['x-vault-token']).toBeUndefined();
  expect(request.headers['x-vault-namespace']).toBeUndefined();
});

test('a request sends only the token and namespace vault-exec chose, and keeps every status', async () => {
  const answer = await client.request('POST', 'sys/leases/revoke', {
    token: 'hvs.OURS',
    body: { lease_id: 'x' },
    query: { status: '204' },
  });
  expect(answer.status).toBe(204);
  const request = seen.at(-1)!;
  expect(request.headers['x-vault-token']).toBe('hvs.OURS');
  expect(request.headers['x-vault-namespace']).toBe('team');
  expect(JSON.parse(request.body)).toEqual({ lease_id: 'x' });
  expect((await client.request('GET', 'secret/data/x', { query: { status: '403' } })).status).toBe(403);
});

test('path segments are encoded, so a "#" or "?" in a name cannot change the request', async () => {
  await client.request('GET', 'secret/data/a#b?c');
  expect(seen.at(-1)!.url).toBe('/v1/secret/data/a%23b%3Fc');
});

test('proxy variables come from the environment it is given, never from the process', async () => {
  const port = (server.address() as AddressInfo).port;
  // The recording server plays the proxy: a request for a host that resolves nowhere reaches it only
  // through HTTP_PROXY.
  process.env.HTTP_PROXY = `http://127.0.0.1:${port}`;
  try {
    const options = {
      address: 'http://vault.internal.test:8200',
      tls: { skipVerify: false },
      timeoutMs: 2_000,
      log: { redact: () => {} },
    };
    const unproxied = createVaultClient({ ...options, env: {} });
    await expect(unproxied.request('GET', 'sys/health')).rejects.toThrow(/cannot resolve the host/);
    expect(seen.at(-1)?.url).not.toBe('http://vault.internal.test:8200/v1/sys/health');

    const proxied = createVaultClient({ ...options, env: { HTTP_PROXY: `http://127.0.0.1:${port}` } });
    expect((await proxied.request('GET', 'sys/health')).status).toBe(200);
    expect(seen.at(-1)?.url).toBe('http://vault.internal.test:8200/v1/sys/health');
  } finally {
    delete process.env.HTTP_PROXY;
  }
});
