// The --metrics-addr listener over real loopback sockets: routes, refusals, and closing.
import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { listenForScrapes } from '../../../src/metrics/server';
import { createVaultExecMetrics } from '../../../src/metrics/vault-exec-metrics';

const cleanUps: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0)) await cleanUp();
});

function get(
  address: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string; body: string }> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    address.slice(address.lastIndexOf(':') + 1),
  ];
  return new Promise((resolve, reject) => {
    const sent = request({ host, port, path, method, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, type: String(response.headers['content-type']), body }),
      );
    });
    sent.on('error', reject);
    sent.end();
  });
}

test('serves /metrics in the text format, /healthz always, /readyz from the readiness', async () => {
  const metrics = createVaultExecMetrics({ version: 'test', method: 'token' });
  const server = await listenForScrapes({ host: '127.0.0.1', port: 0 }, metrics);
  cleanUps.push(() => server.close());
  expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
  const scrape = await get(server.address, '/metrics');
  expect(scrape.status).toBe(200);
  expect(scrape.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  expect(scrape.body).toContain('# TYPE vault_exec_child_up gauge\nvault_exec_child_up 0\n');
  expect((await get(server.address, '/healthz')).status).toBe(200);
  expect((await get(server.address, '/readyz')).status).toBe(503);
  metrics.childStarted();
  metrics.phase('running');
  expect((await get(server.address, '/readyz')).status).toBe(200);
  expect((await get(server.address, '/readyz?verbose')).status).toBe(200);
  expect((await get(server.address, '/')).status).toBe(404);
  expect((await get(server.address, '/metrics', 'POST')).status).toBe(405);
});

test('an occupied port is one usage line naming the address', async () => {
  const taken = createServer();
  cleanUps.push(() => new Promise((resolve) => taken.close(resolve)));
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const metrics = createVaultExecMetrics({ version: 'test', method: 'token' });
  await expect(listenForScrapes({ host: '127.0.0.1', port }, metrics)).rejects.toThrow(
    `cannot listen on --metrics-addr 127.0.0.1:${port}: the port is in use; pick another port or stop what listens there`,
  );
});

test('an address of no interface here is one usage line', async () => {
  const metrics = createVaultExecMetrics({ version: 'test', method: 'token' });
  await expect(listenForScrapes({ host: '192.0.2.1', port: 0 }, metrics)).rejects.toThrow(
    /^cannot listen on --metrics-addr 192\.0\.2\.1:0: no network interface here has that address/,
  );
});

test('close() ends a scraper kept-alive connection too, and the port is free again', async () => {
  const metrics = createVaultExecMetrics({ version: 'test', method: 'token' });
  const server = await listenForScrapes({ host: '127.0.0.1', port: 0 }, metrics);
  await get(server.address, '/metrics');
  await server.close();
  await expect(get(server.address, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
});
