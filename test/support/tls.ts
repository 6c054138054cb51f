// A Vault dev server with real TLS listeners, for the TLS and mTLS tests:
//   - the dev listener (`-dev-tls`): Vault's own dev CA and a certificate for 127.0.0.1/localhost;
//   - an mTLS listener (from a -config file) that requires a client certificate signed by our client CA;
//   - a listener whose certificate names only vault.internal.test, for host-name mismatches.
// The extra listeners' certificates, the client CA and the client certificates are made with the
// openssl CLI in a private temporary directory. vault-server.ts polls plain http, hence this file.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { rememberSecret } from './leak-scan';
import { vaultBinaryPath } from './vault-binary';

/** The name in the certificate of the wrong-host listener; it resolves nowhere, which is the point. */
export const OTHER_HOST_NAME = 'vault.internal.test';

export interface TlsFiles {
  dir: string;
  /** Written by Vault's -dev-tls: its dev CA, and the dev listener's certificate and key. */
  devCa: string;
  devCertDir: string;
  /** Our CA for the extra listeners' server certificates. */
  serverCa: string;
  /** A certificate for 127.0.0.1 and localhost signed by serverCa, and its key. */
  serverCert: string;
  serverKey: string;
  /** The CA the mTLS listener trusts for client certificates, and a client certificate it signed. */
  clientCa: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a CA the mTLS listener does not trust. */
  untrustedClientCert: string;
  untrustedClientKey: string;
}

export interface TlsVaultServer {
  /** https://127.0.0.1:<port> of the dev listener. */
  addr: string;
  /** https://127.0.0.1:<port> of the listener that requires a client certificate. */
  mtlsAddr: string;
  /** https://127.0.0.1:<port> of the listener whose certificate names only OTHER_HOST_NAME. */
  otherHostAddr: string;
  rootToken: string;
  files: TlsFiles;
  logs(): string;
  stop(): Promise<void>;
}

const READY_DEADLINE_MS = 30_000;

/** `env`: added to the server's environment (AWS_EC2_METADATA_DISABLED for the aws method's tests). */
export async function startTlsVaultServer(
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<TlsVaultServer> {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-tls-'));
  const files = generateCertificates(dir);
  // The dev listener's cluster port is its port + 1, so none of the others may be that.
  let ports = await freeLoopbackPorts(5);
  while (ports.slice(1).includes(ports[0]! + 1)) ports = await freeLoopbackPorts(5);
  const [port, mtlsPort, mtlsClusterPort, otherPort, otherClusterPort] = ports as [
    number,
    number,
    number,
    number,
    number,
  ];
  const rootToken = rememberSecret(`root-${randomBytes(12).toString('hex')}`);
  const config = join(dir, 'listeners.hcl');
  writeFileSync(
    config,
    `listener "tcp" {
  address = "127.0.0.1:${mtlsPort}"
  cluster_address = "127.0.0.1:${mtlsClusterPort}"
  tls_cert_file = "${join(dir, 'server.pem')}"
  tls_key_file = "${join(dir, 'server-key.pem')}"
  tls_client_ca_file = "${files.clientCa}"
  tls_require_and_verify_client_cert = true
}
listener "tcp" {
  address = "127.0.0.1:${otherPort}"
  cluster_address = "127.0.0.1:${otherClusterPort}"
  tls_cert_file = "${join(dir, 'other-host.pem')}"
  tls_key_file = "${join(dir, 'other-host-key.pem')}"
}
`,
  );
  const home = join(dir, 'home');
  mkdirSync(home);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VAULT|BAO)_/.test(name)));
  const child = spawn(
    resolveBinary(),
    [
      'server',
      '-dev',
      '-dev-tls',
      `-dev-tls-cert-dir=${files.devCertDir}`,
      `-dev-root-token-id=${rootToken}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      '-dev-no-store-token',
      `-config=${config}`,
    ],
    {
      env: { ...env, HOME: home, VAULT_DISABLE_USER_LOCKOUT: 'true', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const addr = `https://127.0.0.1:${port}`;
  try {
    await waitUntilHealthy(addr, files.devCa, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    addr,
    mtlsAddr: `https://127.0.0.1:${mtlsPort}`,
    otherHostAddr: `https://127.0.0.1:${otherPort}`,
    rootToken,
    files,
    logs: () => output,
    stop,
  };
}

/** A request with the root token, trusting the dev CA; rejects unless Vault answers 2xx. */
export function requestAsRoot(
  server: TlsVaultServer,
  method: string,
  path: string,
  body: unknown,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = request(
      `${server.addr}/v1/${path}`,
      {
        method,
        ca: readFileSync(server.files.devCa),
        headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          (response.statusCode ?? 500) < 300
            ? resolve()
            : reject(new Error(`${method} ${path}: ${response.statusCode} ${text}`)),
        );
      },
    );
    call.on('error', reject);
    call.end(JSON.stringify(body));
  });
}

/** Also used on its own by tests that need an HTTPS stand-in for another service. */
export function generateCertificates(dir: string): TlsFiles {
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ca = (name: string, subject: string): void =>
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      path(`${name}-key.pem`),
      '-out',
      path(`${name}.pem`),
      '-days',
      '2',
      '-subj',
      `/CN=${subject}`,
    );
  const leaf = (name: string, signer: string, subject: string, extensions: string): void => {
    openssl(
      'req',
      ...newKey,
      '-keyout',
      path(`${name}-key.pem`),
      '-out',
      path(`${name}.csr`),
      '-subj',
      `/CN=${subject}`,
    );
    writeFileSync(path(`${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      path(`${name}.csr`),
      '-CA',
      path(`${signer}.pem`),
      '-CAkey',
      path(`${signer}-key.pem`),
      '-CAcreateserial',
      '-out',
      path(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      path(`${name}.ext`),
    );
  };

  ca('server-ca', 'vault-exec test server CA');
  ca('client-ca', 'vault-exec test client CA');
  ca('rogue-ca', 'vault-exec test untrusted CA');
  leaf(
    'server',
    'server-ca',
    '127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  leaf(
    'other-host',
    'server-ca',
    OTHER_HOST_NAME,
    `subjectAltName=DNS:${OTHER_HOST_NAME}\nextendedKeyUsage=serverAuth\n`,
  );
  leaf('client', 'client-ca', 'vault-exec test client', 'extendedKeyUsage=clientAuth\n');
  leaf('rogue-client', 'rogue-ca', 'vault-exec untrusted client', 'extendedKeyUsage=clientAuth\n');

  const devCertDir = path('dev-tls');
  mkdirSync(devCertDir);
  return {
    dir,
    devCa: join(devCertDir, 'vault-ca.pem'),
    devCertDir,
    serverCa: path('server-ca.pem'),
    serverCert: path('server.pem'),
    serverKey: path('server-key.pem'),
    clientCa: path('client-ca.pem'),
    clientCert: path('client.pem'),
    clientKey: path('client-key.pem'),
    untrustedClientCert: path('rogue-client.pem'),
    untrustedClientKey: path('rogue-client-key.pem'),
  };
}

async function waitUntilHealthy(
  addr: string,
  caFile: string,
  child: ChildProcess,
  logs: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `Vault TLS dev server exited before becoming ready (code ${child.exitCode}). Logs:\n${logs()}`,
      );
    }
    try {
      // The CA file appears once Vault has generated it, just before the listener opens.
      const status = await healthStatus(addr, caFile);
      if (status === 200) return;
      lastProblem = `sys/health answered ${status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(
    `Vault TLS dev server at ${addr} was not ready within ${READY_DEADLINE_MS} ms (${lastProblem}). Logs:\n${logs()}`,
  );
}

function healthStatus(addr: string, caFile: string): Promise<number> {
  const ca = readFileSync(caFile, 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(`${addr}/v1/sys/health`, { ca, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('sys/health timed out')));
    req.on('error', reject);
    req.end();
  });
}

function resolveBinary(): string {
  try {
    return inject('vaultBinary') ?? vaultBinaryPath();
  } catch {
    return vaultBinaryPath();
  }
}

/** Several distinct free loopback ports (held open together, so they differ). */
async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string')
      throw new Error('could not determine a free loopback port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
