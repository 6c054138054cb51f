// --auth kubernetes against the real Vault server's kubernetes auth method. No Kubernetes API
// server can run here, so Vault's kubernetes_host points at a local HTTPS stand-in for the
// TokenReview API (test/support/token-review-stand-in.ts), with a certificate from tls.ts. The
// service-account token is a projected-token-shaped JWT in a file, as the kubelet mounts it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { childEnvFrom, cliEnv } from '../support/app-role';
import { provisionCiSecret, writeRole, type CiSecret } from '../support/ci-auth-setup';
import { createJwtIssuer } from '../support/jwt-issuer';
import { fixture, isPidAlive, killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import {
  startTokenReviewStandIn,
  type ServiceAccount,
  type TokenReviewStandIn,
} from '../support/token-review-stand-in';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const issuer = createJwtIssuer();
const app: ServiceAccount = {
  namespace: 'shop',
  name: 'checkout',
  uid: '5f0c3a52-8c1e-4c1b-9d51-1c2b3a4d5e6f',
};
let standIn: TokenReviewStandIn;
let secret: CiSecret;

beforeAll(async () => {
  secret = await provisionCiSecret(vault());
  standIn = await startTokenReviewStandIn();
  const must = async (path: string, body: unknown) => {
    const response = await vault().admin.request('POST', path, body);
    if (response.status >= 300)
      throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  };
  await must('sys/auth/kubernetes', { type: 'kubernetes' });
  await must('auth/kubernetes/config', {
    kubernetes_host: standIn.url,
    kubernetes_ca_cert: standIn.caPem,
    // Vault is not in a pod: it must not look for its own service account files.
    disable_local_ca_jwt: true,
  });
  for (const [name, extra] of [
    ['checkout', { token_ttl: '1m' }],
    ['checkout-short', { token_ttl: '2s', token_max_ttl: '3s' }],
  ] as const) {
    await writeRole(vault(), `auth/kubernetes/role/${name}`, {
      bound_service_account_names: [app.name],
      bound_service_account_namespaces: [app.namespace],
      token_policies: [secret.policy],
      ...extra,
    });
  }
});
afterAll(() => standIn.close());
afterEach(() => killAllStarted());

/** A token as the kubelet projects it, known to the stand-in as `account`'s. */
function serviceAccountToken(account: ServiceAccount): string {
  const token = issuer.sign({
    iss: 'https://kubernetes.default.svc.cluster.local',
    aud: ['https://kubernetes.default.svc.cluster.local'],
    sub: `system:serviceaccount:${account.namespace}:${account.name}`,
    'kubernetes.io': {
      namespace: account.namespace,
      serviceaccount: { name: account.name, uid: account.uid },
      pod: { name: `${account.name}-7d9f8`, uid: '0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a2b' },
    },
  });
  standIn.accept(token, account);
  return token;
}

function tokenFile(token: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vault-exec-sa-')), 'token');
  writeFileSync(path, token, { mode: 0o600 });
  return path;
}

test('logs in with the service-account token file, and the child gets its secrets', async () => {
  const token = serviceAccountToken(app);
  const result = await runCli(
    [
      '--auth',
      'kubernetes',
      '--role',
      'checkout',
      '--jwt-file',
      tokenFile(token),
      '--secret',
      `DB_PASSWORD=${secret.path}#password`,
      '--',
      'node',
      fixture('print-env.mjs'),
    ],
    { env: cliEnv(vault(), undefined) },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(secret.password);
  expect(standIn.reviews()).toBeGreaterThan(0);
  expect(result.stderr).toMatch(
    /logged in to .* with Kubernetes role "checkout" \(auth\/kubernetes, JWT from --jwt-file /,
  );
});

test('a service account the role does not bind exits 77 and names bound_service_account_names', async () => {
  const token = serviceAccountToken({ ...app, name: 'intruder' });
  const result = await runCli(
    ['--auth', 'kubernetes', '--role', 'checkout', '--jwt-file', tokenFile(token), '--', 'true'],
    {
      env: cliEnv(vault(), undefined),
    },
  );
  expect(result.code).toBe(77);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /^vault-exec: Kubernetes login as role "checkout" denied by .*: service account name not authorized; .*bound_service_account_names/,
  );
});

test('logs in again with the rotated token file at the max TTL, and the child keeps running', async () => {
  const first = serviceAccountToken(app);
  const file = tokenFile(first);
  const running = startCli(
    [
      '--auth',
      'kubernetes',
      '--role',
      'checkout-short',
      '--jwt-file',
      file,
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    { env: cliEnv(vault(), undefined) },
  );
  const pid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
  // The kubelet rotates the projected token; from now on the "cluster" accepts only the new one.
  writeFileSync(file, serviceAccountToken(app));
  standIn.forget(first);
  await waitFor(() => (running.stderr().match(/replaced the token before it expired/g) ?? []).length >= 2, {
    timeoutMs: 20_000,
    message: `fewer than 2 re-logins:\n${running.stderr()}`,
  });
  expect(isPidAlive(pid)).toBe(true);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});
