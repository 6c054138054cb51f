// --auth jwt against the real Vault server's jwt auth method, which trusts a key pair made by the
// test (jwt_validation_pubkeys). A role binds the audience and a claim, as a GitHub or GitLab role
// binds aud and repository.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { childEnvFrom, cliEnv } from '../support/app-role';
import {
  TEST_ISSUER,
  enableJwtAuth,
  provisionCiSecret,
  writeRole,
  type CiSecret,
} from '../support/ci-auth-setup';
import { createJwtIssuer } from '../support/jwt-issuer';
import { fixture, isPidAlive, killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const issuer = createJwtIssuer();
const AUDIENCE = 'vault-exec-test';
const claims = {
  iss: TEST_ISSUER,
  aud: AUDIENCE,
  sub: 'repo:acme/app:ref:refs/heads/main',
  repository: 'acme/app',
};
let secret: CiSecret;

beforeAll(async () => {
  secret = await provisionCiSecret(vault());
  await enableJwtAuth(vault(), issuer);
  await writeRole(vault(), 'auth/jwt/role/ci', {
    role_type: 'jwt',
    bound_audiences: [AUDIENCE],
    bound_claims: { repository: 'acme/app' },
    user_claim: 'sub',
    token_policies: [secret.policy],
    token_ttl: '1m',
  });
});
afterEach(() => killAllStarted());

function jwtFile(jwt: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vault-exec-jwt-')), 'token');
  writeFileSync(path, `${jwt}\n`, { mode: 0o600 });
  return path;
}

/**
 * A short-lived JWT for the re-login tests: long enough that the first login never misses it on a
 * loaded machine (it is signed before vault-exec starts), short enough to expire mid-run.
 */
const FIRST_JWT_TTL_SECONDS = 8;
const loginArgs = (file: string, role = 'ci') => ['--auth', 'jwt', '--role', role, '--jwt-file', file];
const printEnv = ['--secret', 'DB_PASSWORD', '--', 'node', fixture('print-env.mjs')];

function withSecret(args: string[]): string[] {
  return args.map((arg) => (arg === 'DB_PASSWORD' ? `DB_PASSWORD=${secret.path}#password` : arg));
}

describe('a signed JWT in a file', () => {
  test('logs in, and the child gets its secrets but never the JWT', async () => {
    const jwt = issuer.sign(claims);
    const result = await runCli(withSecret([...loginArgs(jwtFile(jwt)), ...printEnv]), {
      env: cliEnv(vault(), undefined),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(secret.password);
    expect(result.stdout).not.toContain(jwt);
    // At debug level, with NODE_DEBUG on (cliEnv); the suite's leak scan checks every run the same way.
    expect(result.stderr).toMatch(/vault-exec: Vault at .* is ready/);
    expect(result.stderr).not.toContain(jwt);
    expect(result.stderr).toMatch(
      /logged in to .* with JWT role "ci" \(auth\/jwt, JWT from --jwt-file .*\/token\)/,
    );
  });

  test.each([
    [
      'a wrong audience',
      { aud: 'someone-else' },
      /aud.*; the JWT's aud claim must be one of the role "ci"'s bound_audiences/,
    ],
    [
      'an unmatched claim',
      { repository: 'acme/other' },
      /claim "repository" does not match.*; the JWT's claims do not match the role "ci"'s bound_claims/,
    ],
  ])("with %s exits 77 with Vault's reason and the setting to check", async (_, override, message) => {
    const result = await runCli(
      withSecret([...loginArgs(jwtFile(issuer.sign({ ...claims, ...override }))), ...printEnv]),
      {
        env: cliEnv(vault(), undefined),
      },
    );
    expect(result.code).toBe(77);
    expect(result.stdout).toBe('');
    expect(lastLine(result.stderr)).toMatch(
      /^vault-exec: JWT login as role "ci" rejected by http:\/\/127\.0\.0\.1:\d+ \(auth\/jwt\): /,
    );
    expect(lastLine(result.stderr)).toMatch(message);
  });

  test('that has expired exits 77 and says so', async () => {
    const expired = issuer.sign(claims, { issuedSecondsAgo: 7200, ttlSeconds: 3600 });
    const result = await runCli(withSecret([...loginArgs(jwtFile(expired)), ...printEnv]), {
      env: cliEnv(vault(), undefined),
    });
    expect(result.code).toBe(77);
    expect(lastLine(result.stderr)).toMatch(/expired.*; the JWT from --jwt-file .* has expired/);
  });

  test('for an unknown role exits 77 and names --role', async () => {
    const result = await runCli(
      withSecret([...loginArgs(jwtFile(issuer.sign(claims)), 'nope'), ...printEnv]),
      {
        env: cliEnv(vault(), undefined),
      },
    );
    expect(result.code).toBe(77);
    expect(lastLine(result.stderr)).toMatch(/check --role: there is no role "nope" at auth\/jwt\/role\//);
  });

  test('that cannot be read exits 64 before waiting for Vault', async () => {
    const result = await runCli(withSecret([...loginArgs('/nonexistent/token'), ...printEnv]), {
      env: cliEnv(vault(), undefined),
    });
    expect(result.code).toBe(64);
    expect(result.stderr).toBe('vault-exec: cannot read --jwt-file /nonexistent/token: no such file\n');
  });
});

test('a JWT in VAULT_EXEC_JWT (GitLab id_tokens) logs in and is removed from the child environment', async () => {
  const jwt = issuer.sign(claims);
  const result = await runCli(withSecret(['--auth', 'jwt', '--role', 'ci', ...printEnv]), {
    env: cliEnv(vault(), undefined, { VAULT_EXEC_JWT: jwt }),
  });
  expect(result.code, result.stderr).toBe(0);
  const env = childEnvFrom(result.stdout);
  expect(env.DB_PASSWORD).toBe(secret.password);
  expect(env).not.toHaveProperty('VAULT_EXEC_JWT');
  expect(result.stdout).not.toContain(jwt);
});

describe('at the token max TTL', () => {
  beforeAll(async () => {
    // No leeway, so a JWT is refused the moment it expires; a short max TTL forces re-logins.
    await writeRole(vault(), 'auth/jwt/role/short', {
      role_type: 'jwt',
      bound_audiences: [AUDIENCE],
      user_claim: 'sub',
      token_policies: [secret.policy],
      token_ttl: '2s',
      token_max_ttl: '4s',
      expiration_leeway: -1,
      clock_skew_leeway: -1,
    });
  });

  test('logs in again with the rotated JWT file, and the child keeps running', async () => {
    // The first JWT must outlive a slow start on a loaded machine, and die before the re-logins end.
    const file = jwtFile(issuer.sign(claims, { ttlSeconds: FIRST_JWT_TTL_SECONDS }));
    const running = startCli(
      ['--auth', 'jwt', '--role', 'short', '--jwt-file', file, '--', 'node', fixture('ready-then-wait.mjs')],
      { env: cliEnv(vault(), undefined) },
    );
    const pid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
    // As a CI runner or the kubelet does: a fresh token replaces the file before the old one expires.
    writeFileSync(file, issuer.sign(claims, { ttlSeconds: 120 }));
    // Re-logins come about every 3 s: the fourth is well past the first JWT's expiry.
    await waitFor(() => (running.stderr().match(/replaced the token before it expired/g) ?? []).length >= 4, {
      timeoutMs: 40_000,
      message: `fewer than 4 re-logins:\n${running.stderr()}`,
    });
    expect(isPidAlive(pid)).toBe(true);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });

  // Retried while time is left; how many retries fit depends on when the re-login falls, so only the
  // last word is checked.
  test('retries a JWT file that has gone missing until the token expires, then exits 75', async () => {
    const file = jwtFile(issuer.sign(claims, { ttlSeconds: 120 }));
    const running = startCli(
      ['--auth', 'jwt', '--role', 'short', '--jwt-file', file, '--', 'node', fixture('ready-then-wait.mjs')],
      { env: cliEnv(vault(), undefined) },
    );
    await running.waitForOutput('READY');
    rmSync(file);
    const exit = await running.exited;
    expect(exit.code).toBe(75);
    expect(exit.stderr).toMatch(
      /replacing the token failed until the token expired \(last: cannot read --jwt-file .*: no such file\)/,
    );
  });

  test('exits 75 when the only JWT (from VAULT_EXEC_JWT) has expired by the re-login', async () => {
    const running = startCli(
      ['--auth', 'jwt', '--role', 'short', '--', 'node', fixture('ready-then-wait.mjs')],
      {
        env: cliEnv(vault(), undefined, {
          VAULT_EXEC_JWT: issuer.sign(claims, { ttlSeconds: FIRST_JWT_TTL_SECONDS }),
        }),
      },
    );
    const exit = await running.exited;
    expect(exit.code).toBe(75);
    expect(exit.stdout).toContain('SIGNAL SIGTERM');
    expect(exit.stderr).toMatch(
      /replacing the token was refused: JWT login as role "short" rejected .*expired/,
    );
  });
});

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}
