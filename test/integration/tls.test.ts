// TLS and mutual TLS to Vault, against the dev server's real TLS listeners (see test/support/tls.ts).
// The user-facing promise: the Vault CLI's TLS variables work unchanged, VAULT_SKIP_VERIFY=false keeps
// verification on, and a wrong CA, host name or client certificate fails with a line that says which.
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { NOISY, secretValue } from '../support/app-role';
import { killAllStarted, runCli, type Exit } from '../support/processes';
import { OTHER_HOST_NAME, startTlsVaultServer, type TlsVaultServer } from '../support/tls';

let vault: TlsVaultServer | undefined;
beforeAll(async () => {
  vault = await startTlsVaultServer();
});
afterAll(async () => {
  await vault?.stop();
});
afterEach(() => killAllStarted());

const server = (): TlsVaultServer => {
  if (vault === undefined) throw new Error('the TLS server is only available once beforeAll has run');
  return vault;
};

// A TLS failure does not fix itself, but vault-exec treats it like "not up yet" and waits; keep it short.
const WAIT_TIMEOUT = '1s';
const CHILD_MARK = 'TLS-CHILD-RAN';

/** vault-exec with the root token (token auth: one lookup-self, no renewal) and exactly the given TLS variables. */
function runWith(tlsEnv: Record<string, string>): Promise<Exit> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('VAULT_') && !name.startsWith('NODE_') && name !== 'DEBUG') env[name] = value;
  }
  Object.assign(
    env,
    NOISY,
    { HOME: '/nonexistent-vault-exec-home', VAULT_ADDR: server().addr, VAULT_TOKEN: server().rootToken },
    tlsEnv,
  );
  return runCli(['--wait-timeout', WAIT_TIMEOUT, '--', 'sh', '-c', `echo ${CHILD_MARK}`], { env });
}

/**
 * vault-exec's own lines. The runs use the suite's noisy settings (NODE_DEBUG=tls and friends, for
 * the leak scan), so Node's own debug output, stack traces included, shares stderr with them.
 */
const ownLines = (stderr: string): string[] =>
  stderr.split('\n').filter((line) => line.startsWith('vault-exec:'));

function expectSuccess(exit: Exit): void {
  expect(exit.code, exit.stderr).toBe(0);
  expect(exit.stdout).toContain(CHILD_MARK);
}

/**
 * Not ready within --wait-timeout (69), the child never started, and the lines name the TLS problem.
 * The wait loop retries a TLS failure like an outage. Its last attempt gets only the time left, so on
 * a loaded machine that attempt can end as a timeout instead; and a rejected client certificate
 * (TLS 1.3 reports it after the handshake) can surface as a reset. Those two are tolerated on single
 * attempts; the TLS message must still be what the other attempts said.
 */
/**
 * A certificate problem is not retried: vault-exec exits 69 at once with one line naming it. Under
 * load the server may close the connection before its TLS alert is read; that attempt looks like a
 * reset and is retried, so at most a reset or two may come before the line that names the problem.
 */
function expectTlsFailure(exit: Exit, message: string): void {
  expect(exit.code, exit.stderr).toBe(69);
  expect(exit.stdout).not.toContain(CHILD_MARK);
  const lines = ownLines(exit.stderr);
  const described = lines.join('\n');
  const last = lines.at(-1) ?? '';
  expect(last, described).toMatch(/^vault-exec: cannot use Vault at https:\/\/\S+: /);
  expect(last, described).toContain(message);
  expect(last, described).toMatch(/\(not retried: waiting will not fix it\)$/);
  const waits = lines.filter((line) => line.includes('waiting for Vault'));
  expect(waits.length, described).toBeLessThanOrEqual(2);
  for (const line of waits)
    expect(line, described).toMatch(/connection reset before Vault answered|no answer within/);
  expect(exit.stderr).not.toContain('vault-exec: internal error');
}

function expectUsageError(exit: Exit, message: string): void {
  expect(exit.code, exit.stderr).toBe(64);
  expect(exit.stdout).not.toContain(CHILD_MARK);
  expect(ownLines(exit.stderr)).toEqual([`vault-exec: ${message}`]);
  expect(exit.stderr).not.toContain('vault-exec: internal error');
}

const NOT_TRUSTED = "TLS: the server's certificate is not signed by a trusted CA";
const WRONG_HOST = "TLS: the server's certificate does not match the host name";

describe('server verification', () => {
  test("connects with VAULT_CACERT set to Vault's CA", async () => {
    expectSuccess(await runWith({ VAULT_CACERT: server().files.devCa }));
  });

  test("connects with VAULT_CAPATH set to Vault's certificate directory (CA, certificate and key side by side)", async () => {
    expectSuccess(await runWith({ VAULT_CAPATH: server().files.devCertDir }));
  });

  test('connects with VAULT_CAPATH laid out as c_rehash or a mounted Kubernetes secret leaves it (no .pem names)', async () => {
    // <hash>.0 next to an extensionless "ca" symlink into a "..data" directory, as kubelet mounts secrets.
    const dir = join(server().files.dir, 'capath-mounted');
    mkdirSync(join(dir, '..data'), { recursive: true });
    copyFileSync(server().files.devCa, join(dir, '..data', 'ca'));
    symlinkSync(join('..data', 'ca'), join(dir, 'ca'));
    copyFileSync(server().files.devCa, join(dir, '5f3a2b1c.0'));
    writeFileSync(join(dir, 'README'), 'not a certificate\n');
    expectSuccess(await runWith({ VAULT_CAPATH: dir }));
  });

  test('fails with "not signed by a trusted CA" when no CA is given', async () => {
    expectTlsFailure(await runWith({}), NOT_TRUSTED);
  });

  test('fails with "not signed by a trusted CA" when VAULT_CACERT is some other CA', async () => {
    expectTlsFailure(await runWith({ VAULT_CACERT: server().files.serverCa }), NOT_TRUSTED);
  });

  test.each(['false', '0', 'no'])('keeps verification on with VAULT_SKIP_VERIFY=%s', async (value) => {
    expectTlsFailure(await runWith({ VAULT_SKIP_VERIFY: value }), NOT_TRUSTED);
  });

  test('connects without a CA when VAULT_SKIP_VERIFY=true', async () => {
    expectSuccess(await runWith({ VAULT_SKIP_VERIFY: 'true' }));
  });

  test('rejects a VAULT_SKIP_VERIFY that is not a boolean with a usage error', async () => {
    expectUsageError(
      await runWith({ VAULT_SKIP_VERIFY: 'maybe' }),
      'invalid value "maybe" for VAULT_SKIP_VERIFY: use true or false',
    );
  });
});

describe('host names', () => {
  test('fails with "does not match the host name" when the certificate names another host', async () => {
    expectTlsFailure(
      await runWith({ VAULT_ADDR: server().otherHostAddr, VAULT_CACERT: server().files.serverCa }),
      WRONG_HOST,
    );
  });

  test("connects to that listener when VAULT_TLS_SERVER_NAME is the certificate's name", async () => {
    expectSuccess(
      await runWith({
        VAULT_ADDR: server().otherHostAddr,
        VAULT_CACERT: server().files.serverCa,
        VAULT_TLS_SERVER_NAME: OTHER_HOST_NAME,
      }),
    );
  });

  test('verifies against VAULT_TLS_SERVER_NAME, not the address, once it is set', async () => {
    expectTlsFailure(
      await runWith({ VAULT_CACERT: server().files.devCa, VAULT_TLS_SERVER_NAME: OTHER_HOST_NAME }),
      WRONG_HOST,
    );
  });
});

describe('client certificates (mTLS)', () => {
  const mtls = (extra: Record<string, string>) =>
    runWith({ VAULT_ADDR: server().mtlsAddr, VAULT_CACERT: server().files.serverCa, ...extra });

  test('connects to a listener that requires a client certificate with VAULT_CLIENT_CERT and VAULT_CLIENT_KEY', async () => {
    expectSuccess(
      await mtls({
        VAULT_CLIENT_CERT: server().files.clientCert,
        VAULT_CLIENT_KEY: server().files.clientKey,
      }),
    );
  });

  test('fails with "requires a client certificate" without one', async () => {
    expectTlsFailure(
      await mtls({}),
      'TLS: Vault requires a client certificate; set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY',
    );
  });

  test('fails with "rejected the client certificate" when its CA is not trusted by the listener', async () => {
    expectTlsFailure(
      await mtls({
        VAULT_CLIENT_CERT: server().files.untrustedClientCert,
        VAULT_CLIENT_KEY: server().files.untrustedClientKey,
      }),
      'TLS: Vault rejected the client certificate',
    );
  });

  test('fails with "not the private key" when the key belongs to another certificate', async () => {
    expectTlsFailure(
      await mtls({
        VAULT_CLIENT_CERT: server().files.clientCert,
        VAULT_CLIENT_KEY: server().files.untrustedClientKey,
      }),
      'TLS: VAULT_CLIENT_KEY is not the private key of VAULT_CLIENT_CERT',
    );
  });

  // An unreadable or half-given TLS setting is a usage error like any other: exit 64, one line.
  test.each([
    ['VAULT_CLIENT_CERT', 'client.pem'],
    ['VAULT_CLIENT_KEY', 'client-key.pem'],
  ])('exits 64 with one line when only %s is set', async (variable, file) => {
    expectUsageError(
      await mtls({ [variable]: `${server().files.dir}/${file}` }),
      'VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together for TLS client authentication',
    );
  });

  test('exits 64 with one line when VAULT_CACERT cannot be read', async () => {
    expectUsageError(
      await runWith({ VAULT_CACERT: '/nonexistent/ca.pem' }),
      'cannot read VAULT_CACERT /nonexistent/ca.pem: ENOENT',
    );
  });
});

/**
 * A forward proxy that speaks only TLS (node:https), as an https:// HTTPS_PROXY does: CONNECT
 * tunnels to the Vault server's listener on the same port, after checking Proxy-Authorization as a
 * real proxy would (407 otherwise). A client that speaks plaintext to it never gets a request in:
 * its bytes end the handshake, counted in `plaintextAttempts`.
 */
async function startTlsProxy(credentials: string) {
  const files = server().files;
  const proxy = createHttpsServer({
    cert: readFileSync(files.serverCert),
    key: readFileSync(files.serverKey),
  });
  const tunnels: Array<{ target: string; authorized: boolean }> = [];
  let plaintextAttempts = 0;
  const sockets = new Set<Socket>();
  proxy.on('tlsClientError', () => plaintextAttempts++);
  proxy.on('connect', (req: IncomingMessage, client: Socket) => {
    sockets.add(client);
    const expected = `Basic ${Buffer.from(credentials).toString('base64')}`;
    const authorized = req.headers['proxy-authorization'] === expected;
    tunnels.push({ target: req.url ?? '', authorized });
    if (!authorized) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
    const upstream = connect(Number(new URL(`https://${req.url}`).port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    tunnels,
    plaintextAttempts: () => plaintextAttempts,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => proxy.close(resolve));
    },
  };
}

describe('an https:// proxy', () => {
  const vaultBehindProxy = (): string => `https://${OTHER_HOST_NAME}:${new URL(server().otherHostAddr).port}`;

  test('is spoken to in TLS: the CONNECT and its Proxy-Authorization travel encrypted, and the child runs', async () => {
    const password = secretValue('proxy-password');
    const proxy = await startTlsProxy(`tunnel:${password}`);
    try {
      const proxyUrl = new URL(proxy.origin);
      proxyUrl.username = 'tunnel';
      proxyUrl.password = password;
      const exit = await runWith({
        // Only the proxy can reach this name; the certificate behind it names it.
        VAULT_ADDR: vaultBehindProxy(),
        VAULT_CACERT: server().files.serverCa,
        HTTPS_PROXY: proxyUrl.href,
      });
      expectSuccess(exit);
      expect(proxy.plaintextAttempts()).toBe(0);
      expect(proxy.tunnels.length).toBeGreaterThan(0);
      for (const tunnel of proxy.tunnels)
        expect(tunnel).toEqual({ target: new URL(vaultBehindProxy()).host, authorized: true });
    } finally {
      await proxy.close();
    }
  });

  test('whose certificate is not trusted stops at once, naming the proxy, not Vault', async () => {
    const proxy = await startTlsProxy('tunnel:unused');
    try {
      // Vault's dev CA, which did not sign the proxy's certificate.
      const exit = await runWith({
        VAULT_ADDR: vaultBehindProxy(),
        VAULT_CACERT: server().files.devCa,
        HTTPS_PROXY: proxy.origin,
      });
      expectTlsFailure(
        exit,
        `TLS to the proxy ${proxy.origin} failed: its certificate is not signed by a trusted CA`,
      );
      expect(proxy.tunnels).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
