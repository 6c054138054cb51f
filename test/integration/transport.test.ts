// The transport against the real Vault dev server, behind a small redirecting server started here.
// The redirector is not a stand-in for Vault: it forwards to the real server, and answers chosen
// paths with the 307 a standby or a misconfigured proxy would send. Vault itself cannot be made to
// redirect: a dev server is never a standby.
import { closeRecordingServers, startRecordingServer } from '../support/recording-server';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, leakedSecrets, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { startFaultProxy } from '../support/fault-proxy';
import { fixture, killAllStarted, runCli } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const password = secretValue('transport-password');
let app: AppCredentials;
beforeAll(async () => {
  await vault().admin.writeKv2('transport/db', { password });
  app = await provisionApp(vault(), { readPaths: ['secret/data/transport/*'] });
});

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

afterEach(async () => {
  killAllStarted();
  await closeRecordingServers();
});

/** An HTTP server on `host` that records each request, then hands it to `handle`. */
async function listen(
  host: string,
  handle: (received: Received, res: ServerResponse) => void,
): Promise<{ origin: string; received: Received[]; close(): Promise<void> }> {
  const server = await startRecordingServer((_req, res, entry) => handle(entry, res), { host });
  return { origin: server.origin, received: server.seen, close: server.close };
}

/** Passes a request on to the real Vault and its answer back, as a proxy in front of Vault would. */
function forward(received: Received, res: ServerResponse, path = received.url): void {
  const upstream = request(
    `${vault().addr}${path}`,
    { method: received.method, headers: { ...received.headers, host: new URL(vault().addr).host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  upstream.end(received.body);
}

/** A redirector that forwards sys/health (so the wait succeeds) and redirects everything else. */
function redirectingTo(location: (url: string) => string) {
  return listen('127.0.0.1', (received, res) => {
    if (received.url.startsWith('/v1/sys/health')) return forward(received, res);
    if (received.url.startsWith('/hop/')) return forward(received, res, received.url.slice('/hop'.length));
    res.writeHead(307, { Location: location(received.url) });
    res.end();
  });
}

const run = (addr: string) =>
  runCli(
    [
      '--wait-timeout',
      '5s',
      '--secret',
      'PW=secret/transport/db#password',
      '--',
      'node',
      fixture('exit-with.mjs'),
      '0',
    ],
    {
      env: cliEnv(vault(), app, { VAULT_ADDR: addr }),
    },
  );

const lastLine = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('vault-exec:'))
    .at(-1) ?? '';

test('a 307 from 127.0.0.1 to another origin is refused, and the secret_id never reaches it', async () => {
  const elsewhere = await listen('localhost', (_received, res) => res.end('{}'));
  const redirector = await redirectingTo((url) => `${elsewhere.origin}${url}`);
  const result = await run(redirector.origin);
  expect(result.code, result.stderr).toBe(69);
  expect(lastLine(result.stderr)).toContain(
    `redirect to ${elsewhere.origin}/v1/auth/approle/login refused: it is another origin than ${redirector.origin}`,
  );
  expect(elsewhere.received).toEqual([]);
  // The redirector saw the login (it is VAULT_ADDR); nothing was re-sent anywhere else.
  expect(
    redirector.received.filter((entry) => entry.url === '/v1/auth/approle/login').length,
  ).toBeGreaterThan(0);
});

test('a token lookup redirected to another origin is refused, and X-Vault-Token never reaches it', async () => {
  const elsewhere = await listen('localhost', (_received, res) => res.end('{}'));
  const redirector = await redirectingTo((url) => `${elsewhere.origin}${url}`);
  const result = await runCli(['--wait-timeout', '5s', '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: cliEnv(vault(), undefined, { VAULT_ADDR: redirector.origin, VAULT_TOKEN: vault().rootToken }),
  });
  expect(result.code, result.stderr).toBe(69);
  expect(lastLine(result.stderr)).toContain(
    `redirect to ${elsewhere.origin}/v1/auth/token/lookup-self refused`,
  );
  expect(elsewhere.received).toEqual([]);
});

test('a standby-style 307 to the same Vault at another address is refused, naming that address', async () => {
  // The real server, at the address a standby would name as its active node: another origin still.
  const active = vault().addr.replace('127.0.0.1', 'localhost');
  const redirector = await redirectingTo((url) => `${active}${url}`);
  const result = await run(redirector.origin);
  expect(result.code).toBe(69);
  expect(lastLine(result.stderr)).toContain(`set VAULT_ADDR to ${new URL(active).origin}`);
});

test('one 307 within the same origin is followed with its method and body, and the child runs', async () => {
  const redirector = await redirectingTo((url) => `/hop${url}`);
  const result = await run(redirector.origin);
  expect(result.code, result.stderr).toBe(0);
  const login = redirector.received.filter((entry) => entry.url.endsWith('/v1/auth/approle/login'));
  expect(login.map((entry) => [entry.method, entry.url])).toEqual([
    ['POST', '/v1/auth/approle/login'],
    ['POST', '/hop/v1/auth/approle/login'],
  ]);
  expect(login[1]!.body).toContain(app.roleId);
  expect(leakedSecrets(result.stdout + result.stderr, [password, app.secretId])).toEqual([]);
});

test('a login answered 200 without a TTL is a transient fault, not a token that never expires', async () => {
  const proxy = await startFaultProxy({
    upstreamPort: Number(new URL(vault().addr).port),
    mode: {
      kind: 'http-status',
      status: 200,
      paths: /\/auth\/approle\/login$/,
      body: JSON.stringify({ auth: { client_token: 'hvs.damaged', renewable: true } }),
    },
  });
  try {
    const result = await run(proxy.url);
    expect(result.code).toBe(69);
    expect(lastLine(result.stderr)).toContain('answered 200 without a valid auth.lease_duration');
  } finally {
    await proxy.close();
  }
});

/** `origin` with user:password in it, as a VAULT_ADDR for a Vault behind a proxy that asks for Basic auth. */
function withUserinfo(origin: string, user: string, password: string): string {
  const url = new URL(origin);
  url.username = user;
  url.password = password;
  return url.href.replace(/\/$/, '');
}

test('a password in VAULT_ADDR goes to Vault as Basic auth and appears in no line', async () => {
  const addressPassword = secretValue('address-password');
  const front = await listen('127.0.0.1', (received, res) => forward(received, res));
  const result = await run(withUserinfo(front.origin, 'ops', addressPassword));
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain(`logged in to ${front.origin} with AppRole`);
  expect(result.stderr).not.toContain('ops:');
  expect(leakedSecrets(result.stdout + result.stderr, [addressPassword])).toEqual([]);
  const basic = `Basic ${Buffer.from(`ops:${addressPassword}`).toString('base64')}`;
  expect(front.received.length).toBeGreaterThan(0);
  for (const entry of front.received) expect(entry.headers.authorization).toBe(basic);
});

test('a password in VAULT_ADDR stays out of the failure line when Vault is down', async () => {
  const addressPassword = secretValue('address-password');
  const gone = await listen('127.0.0.1', () => {});
  await gone.close();
  const result = await runCli(['--wait-timeout', '0', '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: cliEnv(vault(), app, { VAULT_ADDR: withUserinfo(gone.origin, 'ops', addressPassword) }),
  });
  expect(result.code).toBe(69);
  expect(lastLine(result.stderr)).toMatch(new RegExp(`^vault-exec: Vault at ${gone.origin} was not ready`));
  expect(result.stderr).not.toContain('ops:');
  expect(leakedSecrets(result.stdout + result.stderr, [addressPassword])).toEqual([]);
});
