// The transport against local node:http/node:https servers started here. They are not Vault
// stand-ins: they answer with the raw HTTP behaviours under test (redirects, oversized and trickling
// bodies, silence, resets), which a real Vault cannot be made to produce.
import { closeRecordingServers, startRecordingServer } from '../../../support/recording-server';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createTransport, MAX_RESPONSE_BYTES, type WireRequest } from '../../../../src/vault/http/transport';
import { VaultTransportError } from '../../../../src/vault/http/transport-error';

/** A host name that resolves nowhere: only a proxy can reach it. */
const REMOTE_HOST = 'vault.internal.test';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

afterEach(closeRecordingServers);

/** A local server that records every request it receives, body included. */
function serve(handler: Handler, host = '127.0.0.1', server?: Server) {
  return startRecordingServer(handler, { host, server });
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function request(url: string, overrides: Partial<WireRequest> = {}): WireRequest {
  return { method: 'GET', url, headers: { 'X-Vault-Token': 'hvs.TOKEN' }, timeoutMs: 2_000, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<VaultTransportError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(VaultTransportError);
  return error as VaultTransportError;
}

describe('answers', () => {
  test('a JSON answer keeps its status and body, and connections are reused', async () => {
    const server = await serve((_req, res) => json(res, 429, { errors: ['standby'] }));
    const transport = createTransport();
    const first = await transport.send(request(`${server.origin}/v1/sys/health`));
    const second = await transport.send(request(`${server.origin}/v1/sys/health`));
    expect(first).toEqual({ status: 429, body: { errors: ['standby'] } });
    expect(second.status).toBe(429);
    expect(server.connections).toHaveLength(1);
  });

  test('a POST carries its JSON body with its length, and a text answer stays text', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(400);
      res.end('Client sent an HTTP request to an HTTPS server.\n');
    });
    const answer = await createTransport().send(
      request(`${server.origin}/v1/auth/approle/login`, { method: 'POST', body: '{"role_id":"r"}' }),
    );
    expect(answer).toEqual({ status: 400, body: 'Client sent an HTTP request to an HTTPS server.\n' });
    expect(server.seen[0]).toMatchObject({ method: 'POST', body: '{"role_id":"r"}' });
    expect(server.seen[0]!.headers['content-type']).toBe('application/json');
    expect(server.seen[0]!.headers['content-length']).toBe('15');
  });

  test('an empty answer (204) has an empty body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect(await createTransport().send(request(`${server.origin}/v1/sys/leases/revoke`))).toEqual({
      status: 204,
      body: '',
    });
  });
});

describe('redirects', () => {
  test('one 307 within the same origin is followed with the method, body and token kept', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/v1/auth/approle/login')
        return json(res, 307, {}, { Location: '/v1/auth/approle/login?hop=1' });
      json(res, 200, { auth: { client_token: 'hvs.NEW' } });
    });
    const answer = await createTransport().send(
      request(`${server.origin}/v1/auth/approle/login`, { method: 'POST', body: '{"secret_id":"s"}' }),
    );
    expect(answer.status).toBe(200);
    expect(server.seen.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: '/v1/auth/approle/login', body: '{"secret_id":"s"}' },
      { method: 'POST', url: '/v1/auth/approle/login?hop=1', body: '{"secret_id":"s"}' },
    ]);
    expect(server.seen[1]!.headers['x-vault-token']).toBe('hvs.TOKEN');
  });

  test('a 308 is followed like a 307', async () => {
    const server = await serve((req, res) =>
      req.url === '/a' ? json(res, 308, {}, { Location: '/b' }) : json(res, 200, { ok: true }),
    );
    expect((await createTransport().send(request(`${server.origin}/a`))).body).toEqual({ ok: true });
  });

  test('a 307 to another origin is refused by name, and nothing reaches that origin', async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, {}), 'localhost');
    const server = await serve((_req, res) =>
      json(res, 307, {}, { Location: `${elsewhere.origin}/v1/auth/approle/login` }),
    );
    const error = await failure(
      createTransport().send(
        request(`${server.origin}/v1/auth/approle/login`, { method: 'POST', body: '{"secret_id":"s"}' }),
      ),
    );
    expect(error.reason).toContain(`redirect to ${elsewhere.origin}/v1/auth/approle/login refused`);
    expect(error.reason).toContain(`set VAULT_ADDR to ${elsewhere.origin}`);
    expect(elsewhere.seen).toEqual([]);
  });

  test('another port of the same host is another origin too', async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, {}));
    const server = await serve((_req, res) => json(res, 307, {}, { Location: `${elsewhere.origin}/x` }));
    const error = await failure(createTransport().send(request(`${server.origin}/x`)));
    expect(error.reason).toContain(`redirect to ${elsewhere.origin}/x refused`);
    expect(elsewhere.seen).toEqual([]);
  });

  test('a second redirect is refused and names its Location', async () => {
    const server = await serve((req, res) => json(res, 307, {}, { Location: `${req.url}x` }));
    const error = await failure(createTransport().send(request(`${server.origin}/a`)));
    expect(error.reason).toBe(
      `a second redirect (to ${server.origin}/axx) refused: vault-exec follows one redirect per request`,
    );
    expect(server.seen).toHaveLength(2);
  });

  test('301, 302 and 303 are refused, since they let the method and body change', async () => {
    for (const status of [301, 302, 303]) {
      const server = await serve((_req, res) => json(res, status, {}, { Location: '/elsewhere' }));
      const error = await failure(createTransport().send(request(`${server.origin}/a`)));
      expect(error.reason).toBe(
        `HTTP ${status} redirect to /elsewhere refused: vault-exec follows only 307 and 308, which keep the method and body`,
      );
      expect(server.seen).toHaveLength(1);
    }
  });

  test('a 307 without a Location is an error', async () => {
    const server = await serve((_req, res) => json(res, 307, {}));
    const error = await failure(createTransport().send(request(`${server.origin}/a`)));
    expect(error.reason).toBe('HTTP 307 redirect without a Location header');
  });
});

describe('over https', () => {
  let dir = '';
  let tls: { key: string; cert: string } = { key: '', cert: '' };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vault-exec-transport-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1']
        .concat([
          '-addext',
          `subjectAltName=IP:127.0.0.1,DNS:${REMOTE_HOST}`,
          '-keyout',
          join(dir, 'key.pem'),
        ])
        .concat(['-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    tls = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the CA it is given is trusted, and a redirect to plain http is refused', async () => {
    const plain = await serve((_req, res) => json(res, 200, {}));
    const secure = await serve(
      (req, res) =>
        req.url === '/hop'
          ? json(res, 307, {}, { Location: `${plain.origin}/v1/sys/health` })
          : json(res, 200, { initialized: true }),
      '127.0.0.1',
      createHttpsServer(tls),
    );
    const transport = createTransport({ tls: { ca: [tls.cert] } });
    expect((await transport.send(request(`${secure.origin}/v1/sys/health`))).body).toEqual({
      initialized: true,
    });
    const error = await failure(transport.send(request(`${secure.origin}/hop`)));
    expect(error.reason).toBe(
      `redirect from https to ${plain.origin}/v1/sys/health refused: vault-exec never downgrades to plain HTTP`,
    );
    expect(plain.seen).toEqual([]);
  });

  test('through HTTPS_PROXY, TLS runs inside a CONNECT tunnel, verified against the Vault host name', async () => {
    const secure = await serve(
      (_req, res) => json(res, 200, { through: 'tunnel' }),
      '127.0.0.1',
      createHttpsServer(tls),
    );
    const tunnels: string[] = [];
    const sockets: Socket[] = [];
    const proxy = createServer();
    proxy.on('connect', (req: IncomingMessage, client: Socket) => {
      tunnels.push(req.url ?? '');
      sockets.push(client);
      // Wherever the tunnel was asked to go, it goes to the local https server.
      const upstream = connect(secure.port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const { origin } = await serve(() => {}, '127.0.0.1', proxy);
    const transport = createTransport({ tls: { ca: [tls.cert] }, env: { HTTPS_PROXY: origin } });
    const answer = await transport.send(request(`https://${REMOTE_HOST}:8200/v1/sys/health`));
    expect(answer.body).toEqual({ through: 'tunnel' });
    expect(tunnels).toEqual([`${REMOTE_HOST}:8200`]);
    expect(secure.seen[0]!.headers['x-vault-token']).toBe('hvs.TOKEN');
    // A tunnel is no longer the proxy server's connection: close it here.
    for (const socket of sockets) socket.destroy();
  });

  test('plain http through an https:// proxy travels in TLS to the proxy, checked against the CA given', async () => {
    const proxy = await serve(
      (_req, res) => json(res, 200, { via: 'tls proxy' }),
      '127.0.0.1',
      createHttpsServer(tls),
    );
    const transport = createTransport({
      tls: { ca: [tls.cert] },
      env: { HTTP_PROXY: `https://user:pa%40ss@127.0.0.1:${proxy.port}` },
    });
    const answer = await transport.send(request(`http://${REMOTE_HOST}:8200/v1/sys/health`));
    expect(answer.body).toEqual({ via: 'tls proxy' });
    expect(proxy.seen[0]!.url).toBe(`http://${REMOTE_HOST}:8200/v1/sys/health`);
    expect(proxy.seen[0]!.headers['proxy-authorization']).toBe(
      `Basic ${Buffer.from('user:pa@ss').toString('base64')}`,
    );
  });

  test('an https:// proxy with an untrusted certificate is named, and the code still says certificate', async () => {
    const proxy = await serve(() => {}, '127.0.0.1', createHttpsServer(tls));
    const transport = createTransport({ env: { HTTPS_PROXY: proxy.origin } });
    const error = await failure(transport.send(request(`https://${REMOTE_HOST}:8200/v1/sys/health`)));
    expect(error.reason).toBe(
      `TLS to the proxy ${proxy.origin} failed: its certificate is not signed by a trusted CA (DEPTH_ZERO_SELF_SIGNED_CERT); add the proxy's CA to VAULT_CACERT`,
    );
    expect(error.isCertificateProblem).toBe(true);
    expect(error.mayHaveReachedVault).toBe(false);
    expect(proxy.seen).toEqual([]);
  });

  test("an https:// proxy is checked against its own name, not Vault's", async () => {
    const proxy = await serve(() => {}, 'localhost', createHttpsServer(tls));
    const transport = createTransport({ tls: { ca: [tls.cert] }, env: { HTTP_PROXY: proxy.origin } });
    const error = await failure(transport.send(request(`http://${REMOTE_HOST}:8200/v1/sys/health`)));
    expect(error.reason).toBe(
      `TLS to the proxy ${proxy.origin} failed: its certificate does not match the host name localhost; name the proxy as its certificate does`,
    );
  });

  test('a plain proxy written as https:// fails with a line that says to write http://', async () => {
    const proxy = await serve((_req, res) => json(res, 400, {}));
    const transport = createTransport({ env: { HTTPS_PROXY: proxy.origin.replace('http:', 'https:') } });
    const error = await failure(transport.send(request(`https://${REMOTE_HOST}:8200/v1/sys/health`)));
    expect(error.reason).toMatch(
      /^TLS to the proxy https:\/\/127\.0\.0\.1:\d+ failed \(\w+\); if it is a plain proxy, write http:\/\/ in the proxy variable$/,
    );
  });

  test('a certificate from an unknown CA keeps its code', async () => {
    const secure = await serve((_req, res) => json(res, 200, {}), '127.0.0.1', createHttpsServer(tls));
    const error = await failure(createTransport().send(request(`${secure.origin}/v1/sys/health`)));
    expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(error.isCertificateProblem).toBe(true);
    expect(error.mayHaveReachedVault).toBe(false);
  });
});

describe('proxies', () => {
  test('plain http goes to HTTP_PROXY with the whole URL in the request line', async () => {
    const proxy = await serve((_req, res) => json(res, 200, { via: 'proxy' }));
    const transport = createTransport({ env: { HTTP_PROXY: proxy.origin, NO_PROXY: 'other.test' } });
    const answer = await transport.send(request(`http://${REMOTE_HOST}:8200/v1/sys/health`));
    expect(answer.body).toEqual({ via: 'proxy' });
    expect(proxy.seen[0]!.url).toBe(`http://${REMOTE_HOST}:8200/v1/sys/health`);
    expect(proxy.seen[0]!.headers.host).toBe(`${REMOTE_HOST}:8200`);
  });

  test('a proxy that is down is named in the error', async () => {
    const proxy = await serve(() => {});
    await proxy.close();
    const transport = createTransport({ env: { HTTPS_PROXY: proxy.origin } });
    const error = await failure(transport.send(request(`https://${REMOTE_HOST}:8200/v1/sys/health`)));
    expect(error.reason).toBe(`connection refused (through the proxy ${proxy.origin})`);
  });
});

describe('limits', () => {
  test(`an answer larger than the cap (${MAX_RESPONSE_BYTES} bytes by default) is an error naming the limit`, async () => {
    const server = await serve((_req, res) => json(res, 200, { data: 'x'.repeat(2_000) }));
    const error = await failure(
      createTransport({ maxResponseBytes: 1024 }).send(request(`${server.origin}/a`)),
    );
    expect(error.reason).toContain(
      'the answer is larger than 1024 bytes, the most vault-exec reads from Vault',
    );
  });

  test('the cap also holds for a chunked answer that declares no length', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const write = (left: number): void => {
        if (left === 0 || res.destroyed) return void res.end();
        res.write('x'.repeat(256), () => write(left - 1));
      };
      write(64);
    });
    const error = await failure(
      createTransport({ maxResponseBytes: 4096 }).send(request(`${server.origin}/a`)),
    );
    expect(error.code).toBe('ERR_VAULT_RESPONSE_TOO_LARGE');
  });

  test('a server that never answers hits the deadline', async () => {
    const server = await serve(() => {});
    const error = await failure(createTransport().send(request(`${server.origin}/a`, { timeoutMs: 200 })));
    expect(error.reason).toBe('no answer within 0.2 s');
    expect(error.mayHaveReachedVault).toBe(true);
  });

  test('a body that trickles in cannot outlive the one deadline', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"auth":');
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 20);
      res.on('close', () => clearInterval(drip));
    });
    const error = await failure(createTransport().send(request(`${server.origin}/a`, { timeoutMs: 300 })));
    expect(error.reason).toBe('the answer was not complete within 0.3 s');
  });

  test('a redirect hop shares the deadline of the first request', async () => {
    // The second hop never answers.
    const server = await serve((req, res) => req.url === '/a' && json(res, 307, {}, { Location: '/b' }));
    const error = await failure(createTransport().send(request(`${server.origin}/a`, { timeoutMs: 300 })));
    expect(error.reason).toBe('no answer within 0.3 s');
    expect(server.seen.map((entry) => entry.url)).toEqual(['/a', '/b']);
  });
});

describe('lost answers', () => {
  test('a refused connection never reached Vault', async () => {
    const server = await serve(() => {});
    const { port } = server;
    await server.close();
    const error = await failure(createTransport().send(request(`http://127.0.0.1:${port}/a`)));
    expect(error.reason).toBe('connection refused');
    expect(error.mayHaveReachedVault).toBe(false);
  });

  test('a connection cut after the request arrived may have reached Vault', async () => {
    const server = await serve((req) => req.socket.destroy());
    const error = await failure(
      createTransport().send(request(`${server.origin}/a`, { method: 'POST', body: '{}' })),
    );
    expect(error.reason).toBe('connection reset before Vault answered');
    expect(error.mayHaveReachedVault).toBe(true);
  });
});
