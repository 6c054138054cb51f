// --auth cert against the real Vault server's cert auth method, over the dev server's real TLS
// listener (test/support/tls.ts), which asks for a client certificate without requiring one: the
// cert method itself decides. The CA and client certificates are made by the test with openssl.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, secretValue } from '../support/app-role';
import { fixture, killAllStarted, runCli } from '../support/processes';
import { requestAsRoot, startTlsVaultServer, type TlsVaultServer } from '../support/tls';
import { appPolicy } from '../support/vault-admin';

let vault: TlsVaultServer;
const password = secretValue('cert-password');

beforeAll(async () => {
  vault = await startTlsVaultServer();
  await admin('POST', 'sys/auth/cert', { type: 'cert' });
  await admin('PUT', 'sys/policies/acl/web', { policy: appPolicy(['secret/data/web/db']) });
  await admin('POST', 'secret/data/web/db', { data: { password } });
  await admin('POST', 'auth/cert/certs/web', {
    certificate: readFileSync(vault.files.clientCa, 'utf8'),
    token_policies: ['web'],
    token_ttl: '1m',
  });
});
afterAll(() => vault?.stop());
afterEach(() => killAllStarted());

const admin = (method: string, path: string, body: unknown) => requestAsRoot(vault, method, path, body);

function certEnv(cert: string, key: string): NodeJS.ProcessEnv {
  const env = cliEnv({ addr: vault.addr } as Parameters<typeof cliEnv>[0], undefined);
  return { ...env, VAULT_CACERT: vault.files.devCa, VAULT_CLIENT_CERT: cert, VAULT_CLIENT_KEY: key };
}

test('logs in with the client certificate of VAULT_CLIENT_CERT, and the child gets its secrets', async () => {
  const result = await runCli(
    [
      '--auth',
      'cert',
      '--role',
      'web',
      '--secret',
      'DB_PASSWORD=secret/web/db#password',
      '--',
      'node',
      fixture('print-env.mjs'),
    ],
    { env: certEnv(vault.files.clientCert, vault.files.clientKey) },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(password);
  expect(result.stderr).toMatch(
    /logged in to .* with the client certificate VAULT_CLIENT_CERT \(auth\/cert, role "web"\)/,
  );
});

test('without --role, Vault picks the certificate role that trusts the certificate', async () => {
  const result = await runCli(['--auth', 'cert', '--', 'true'], {
    env: certEnv(vault.files.clientCert, vault.files.clientKey),
  });
  expect(result.code, result.stderr).toBe(0);
});

test('a certificate from a CA no role trusts exits 77 and names the certificate role to check', async () => {
  const result = await runCli(['--auth', 'cert', '--role', 'web', '--', 'true'], {
    env: certEnv(vault.files.untrustedClientCert, vault.files.untrustedClientKey),
  });
  expect(result.code, result.stderr).toBe(77);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /^vault-exec: certificate login as role "web" rejected by https:\/\/127\.0\.0\.1:\d+ \(auth\/cert\): .*; VAULT_CLIENT_CERT is not signed by the CA in the certificate of auth\/cert\/certs\/web/,
  );
  const anyRole = await runCli(['--auth', 'cert', '--', 'true'], {
    env: certEnv(vault.files.untrustedClientCert, vault.files.untrustedClientKey),
  });
  expect(anyRole.code, anyRole.stderr).toBe(77);
  expect(anyRole.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /^vault-exec: certificate login rejected by .*: .*; VAULT_CLIENT_CERT is not signed by the CA in the certificate of auth\/cert\/certs\//,
  );
});
