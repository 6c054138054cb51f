// Checks the fault proxy itself against a tiny local HTTP upstream (no Vault needed).
import { Agent, createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';

interface Reply {
  status: number;
  body: string;
}

let upstream: Server;
let upstreamPort: number;
// Every request the upstream answered, to prove which requests the proxy really forwarded.
let upstreamSeen: string[] = [];
let upstreamConnections = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      upstreamSeen.push(`${req.method} ${req.url}`);
      // Large enough that a truncated copy is clearly distinguishable from the real thing.
      const payload = JSON.stringify({ method: req.method, url: req.url, body, padding: 'x'.repeat(200) });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    });
  });
  upstream.on('connection', () => upstreamConnections++);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  if (address === null || typeof address !== 'object') throw new Error('upstream has no port');
  upstreamPort = address.port;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

let proxy: FaultProxy | undefined;
const agents: Agent[] = [];

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await proxy?.close();
  proxy = undefined;
  upstreamSeen = [];
  upstreamConnections = 0;
});

async function start(): Promise<FaultProxy> {
  proxy = await startFaultProxy({ upstreamPort });
  return proxy;
}

function keepAliveAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
}

function send(
  port: number,
  path: string,
  options: { method?: string; body?: string; agent?: Agent; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
        res.on('end', () => {
          // Node ends an aborted response too; only a complete one counts as a reply.
          if (res.complete) resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.setTimeout(options.timeoutMs ?? 5_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('fault proxy', () => {
  it('forwards requests in pass mode and counts each one, including several on one kept-alive connection', async () => {
    const proxy = await start();
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
    const agent = keepAliveAgent();

    const first = await send(proxy.port, '/v1/sys/health?standbyok=true', { agent });
    const second = await send(proxy.port, '/v1/auth/approle/login', {
      agent,
      method: 'POST',
      body: '{"role_id":"r"}',
    });
    const third = await send(proxy.port, '/v1/secret/data/app', { agent });

    expect(first.status).toBe(200);
    expect(JSON.parse(second.body)).toMatchObject({ method: 'POST', body: '{"role_id":"r"}' });
    expect(JSON.parse(third.body)).toMatchObject({ url: '/v1/secret/data/app' });
    expect(upstreamConnections).toBe(1);
    expect(proxy.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/sys/health',
      'POST /v1/auth/approle/login',
      'GET /v1/secret/data/app',
    ]);
    expect(proxy.requests().every((r) => typeof r.at === 'number' && r.at <= Date.now())).toBe(true);

    proxy.resetRequests();
    expect(proxy.requests()).toEqual([]);
  });

  it('refuses connections in refuse mode and accepts them again on the same port afterwards', async () => {
    const proxy = await start();
    const port = proxy.port;
    const agent = keepAliveAgent();
    await send(port, '/v1/sys/health', { agent });

    await proxy.setMode({ kind: 'refuse' });
    await expect(send(port, '/v1/sys/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // Like a real outage, the kept-alive connection is dropped too. Wait for the agent to notice,
    // or it may reuse the dead socket and see "socket hang up", as a real client could.
    await expect.poll(() => Object.keys(agent.freeSockets).length).toBe(0);

    await proxy.setMode({ kind: 'pass' });
    expect(proxy.port).toBe(port);
    expect((await send(port, '/v1/sys/health', { agent })).status).toBe(200);
    expect(upstreamConnections).toBe(2);
  });

  it('holds requests without answering in hold mode and drops the held sockets when the mode changes', async () => {
    const proxy = await start();
    await proxy.setMode({ kind: 'hold' });

    await expect(send(proxy.port, '/v1/sys/health', { timeoutMs: 300 })).rejects.toThrow('client timeout');

    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => proxy.requests().length).toBe(2);

    await proxy.setMode({ kind: 'pass' });
    await closed;
    expect(upstreamSeen).toEqual([]);
    expect((await send(proxy.port, '/v1/sys/health')).status).toBe(200);
  });

  it('answers only after the configured delay in delay mode', async () => {
    const proxy = await start();
    await proxy.setMode({ kind: 'delay', ms: 300 });

    const startedAt = performance.now();
    const reply = await send(proxy.port, '/v1/sys/health');

    expect(reply.status).toBe(200);
    // A few ms of slack: timers are scheduled from the event loop's cached clock.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(295);
  });

  it('resets the connection after reading the request in cut mode', async () => {
    const proxy = await start();
    await proxy.setMode({ kind: 'cut' });

    await expect(send(proxy.port, '/v1/sys/health')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(proxy.requests().map((r) => r.path)).toEqual(['/v1/sys/health']);
    expect(upstreamSeen).toEqual([]);
  });

  it('delivers only the start of the response before closing in cut-mid-response mode', async () => {
    const proxy = await start();
    await proxy.setMode({ kind: 'cut-mid-response' });

    const raw = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect({ host: '127.0.0.1', port: proxy.port });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => {});
      socket.on('close', () => resolve(received));
      socket.write('GET /v1/secret/data/app HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const declared = Number(/content-length: (\d+)/i.exec(raw)?.[1]);
    const bodyLength = raw.length - raw.indexOf('\r\n\r\n') - 4;
    expect(bodyLength).toBeLessThan(declared);

    await expect(send(proxy.port, '/v1/secret/data/app')).rejects.toThrow();
    expect(upstreamSeen).toEqual(['GET /v1/secret/data/app', 'GET /v1/secret/data/app']);
  });

  it('injects an HTTP status on matching paths only, for the given number of times, then passes', async () => {
    const proxy = await start();
    await proxy.setMode({ kind: 'http-status', status: 503, paths: /\/renew-self$/, times: 2 });
    const agent = keepAliveAgent();

    const renew = (): Promise<Reply> =>
      send(proxy.port, '/v1/auth/token/renew-self', { agent, method: 'POST', body: '{}' });
    const first = await renew();
    const other = await send(proxy.port, '/v1/secret/data/app', { agent });
    const second = await renew();
    const third = await renew();

    expect(first).toEqual({ status: 503, body: '{"errors":["injected fault"]}' });
    expect(other.status).toBe(200);
    expect(second.status).toBe(503);
    expect(third.status).toBe(200);
    expect(upstreamSeen).toEqual(['GET /v1/secret/data/app', 'POST /v1/auth/token/renew-self']);
    expect(proxy.requests().filter((r) => r.path === '/v1/auth/token/renew-self')).toHaveLength(3);
  });

  it('injects a custom status and body on every path when no paths or times are given', async () => {
    const proxy = await start();
    await proxy.setMode({ kind: 'http-status', status: 429, body: '{"errors":["slow down"]}' });

    for (const path of ['/v1/sys/health', '/v1/auth/approle/login', '/v1/sys/health']) {
      expect(await send(proxy.port, path)).toEqual({ status: 429, body: '{"errors":["slow down"]}' });
    }
    expect(upstreamSeen).toEqual([]);
  });

  it('applies a starting mode given to startFaultProxy', async () => {
    proxy = await startFaultProxy({ upstreamPort, mode: { kind: 'http-status', status: 500, times: 1 } });

    expect((await send(proxy.port, '/v1/sys/health')).status).toBe(500);
    expect((await send(proxy.port, '/v1/sys/health')).status).toBe(200);
  });

  it('closes every socket and stops listening on close', async () => {
    const proxy = await start();
    await proxy.setMode({ kind: 'hold' });
    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => proxy.requests().length).toBe(1);

    await proxy.close();
    await closed;
    await expect(send(proxy.port, '/v1/sys/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('resets the client when the upstream is down', async () => {
    proxy = await startFaultProxy({ upstreamPort: 1 });

    await expect(send(proxy.port, '/v1/sys/health')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(proxy.requests()).toHaveLength(1);
  });
});
