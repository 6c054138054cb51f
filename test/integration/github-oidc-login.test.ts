// --auth jwt in GitHub Actions: vault-exec asks the runner's OIDC token service for a JWT and logs
// in with it. That service cannot run here, so a local stand-in plays it
// (test/support/github-token-stand-in.ts): it checks the request token and the audience, and answers
// with a JWT signed by the test's key pair, which the real Vault server's jwt auth method trusts.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { childEnvFrom, cliEnv } from '../support/app-role';
import {
  TEST_ISSUER,
  enableJwtAuth,
  provisionCiSecret,
  writeRole,
  type CiSecret,
} from '../support/ci-auth-setup';
import { startGitHubTokenStandIn, type GitHubTokenStandIn } from '../support/github-token-stand-in';
import { createJwtIssuer } from '../support/jwt-issuer';
import { rememberSecret } from '../support/leak-scan';
import { fixture, isPidAlive, killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const issuer = createJwtIssuer();
const requestToken = rememberSecret('runner-request-token-3f9a61c2e7');
let standIn: GitHubTokenStandIn;
let secret: CiSecret;

beforeAll(async () => {
  secret = await provisionCiSecret(vault());
  await enableJwtAuth(vault(), issuer);
  standIn = await startGitHubTokenStandIn({
    requestToken,
    // The claims GitHub puts in a job's token, trimmed to what the role binds.
    signFor: (audience) =>
      issuer.sign({
        iss: TEST_ISSUER,
        aud: audience,
        sub: 'repo:acme/app:ref:refs/heads/main',
        repository: 'acme/app',
        ref: 'refs/heads/main',
      }),
  });
  for (const [name, audience, extra] of [
    ['gha', 'sigstore', { token_ttl: '1m' }],
    ['gha-custom', 'https://vault.acme.test', { token_ttl: '2s', token_max_ttl: '3s' }],
  ] as const) {
    await writeRole(vault(), `auth/jwt/role/${name}`, {
      role_type: 'jwt',
      bound_audiences: [audience],
      bound_claims: { repository: 'acme/app', ref: 'refs/heads/main' },
      user_claim: 'repository',
      token_policies: [secret.policy],
      ...extra,
    });
  }
});
afterAll(() => standIn.close());
afterEach(() => killAllStarted());

const runner = (token = requestToken) => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: standIn.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: token,
});

test("requests the job's OIDC token with the default audience, logs in, and the child gets its secrets", async () => {
  const before = standIn.audiences.length;
  const result = await runCli(
    [
      '--auth',
      'jwt',
      '--role',
      'gha',
      '--secret',
      `DB_PASSWORD=${secret.path}#password`,
      '--',
      'node',
      fixture('print-env.mjs'),
    ],
    { env: cliEnv(vault(), undefined, runner()) },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(standIn.audiences.slice(before)).toEqual(['sigstore']);
  const env = childEnvFrom(result.stdout);
  expect(env.DB_PASSWORD).toBe(secret.password);
  // The runner gives these to every step of the job; tools such as npm's provenance need them.
  expect(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN).toBe(requestToken);
  expect(result.stderr).toContain('JWT from GitHub Actions OIDC (audience "sigstore")');
  expect(result.stderr).not.toContain(requestToken);
});

test('a wrong request token ends with one clear line and exit 77', async () => {
  const wrong = rememberSecret('not-the-runner-token-77a1');
  const result = await runCli(['--auth', 'jwt', '--role', 'gha', '--log-level', 'error', '--', 'true'], {
    env: cliEnv(vault(), undefined, runner(wrong)),
  });
  expect(result.code).toBe(77);
  // NODE_DEBUG's lines are Node's own; of vault-exec's, there is exactly one.
  expect(result.stderr.split('\n').filter((line) => line.startsWith('vault-exec:'))).toEqual([
    `vault-exec: GitHub's OIDC token service (${new URL(standIn.requestUrl).host}) refused the request token (HTTP 401): ACTIONS_ID_TOKEN_REQUEST_TOKEN is wrong or expired; it is valid only inside the job the runner gave it to, with "permissions: id-token: write"`,
  ]);
});

test('asks for a new token at every re-login, with the audience of --jwt-audience', async () => {
  const before = standIn.audiences.length;
  const running = startCli(
    [
      '--auth',
      'jwt',
      '--role',
      'gha-custom',
      '--jwt-audience',
      'https://vault.acme.test',
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    { env: cliEnv(vault(), undefined, runner()) },
  );
  const pid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
  await waitFor(() => (running.stderr().match(/replaced the token before it expired/g) ?? []).length >= 2, {
    timeoutMs: 20_000,
    message: 'fewer than 2 re-logins',
  });
  expect(standIn.audiences.length - before).toBeGreaterThanOrEqual(3);
  expect(new Set(standIn.audiences.slice(before))).toEqual(new Set(['https://vault.acme.test']));
  expect(isPidAlive(pid)).toBe(true);
  running.kill('SIGTERM');
  expect((await running.exited).code).toBe(0);
});

test('a token service that does not answer is retried, then the start fails with 69', async () => {
  const closed = new URL(standIn.requestUrl);
  closed.port = String(await closedPort());
  const result = await runCli(['--auth', 'jwt', '--role', 'gha', '--', 'true'], {
    env: cliEnv(vault(), undefined, { ...runner(), ACTIONS_ID_TOKEN_REQUEST_URL: closed.href }),
  });
  expect(result.code).toBe(69);
  expect(result.stderr).toContain('failed: request failed (ECONNREFUSED); retrying (attempt 3)');
  expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
    `vault-exec: requesting an OIDC token from GitHub's OIDC token service (${closed.host}) failed: request failed (ECONNREFUSED)`,
  );
});

/** A loopback port nothing listens on (any more). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
