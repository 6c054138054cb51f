import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  childEnvFrom,
  cliEnv,
  leakedSecrets,
  NOISY,
  provisionApp,
  secretValue,
  type AppCredentials,
} from '../support/app-role';
import { fixture, killAllStarted, runCli } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const printEnv = ['node', fixture('print-env.mjs')];

const db = { username: 'app_user', password: secretValue('db-password'), port: 5432, options: { ssl: true } };
const jwt = { signing_key: secretValue('jwt-key'), 'issuer-url': 'https://issuer.example' };
const legacy = { token: secretValue('kv1-token') };
let app: AppCredentials;
let allSecrets: string[];

beforeAll(async () => {
  const { admin } = vault();
  await admin.writeKv2('saas/dev/database', db);
  await admin.writeKv2('saas/dev/jwt', jwt);
  await admin.writeKv2('saas/dev/forbidden', { value: secretValue('forbidden') });
  await admin.enableKv('legacy', 1);
  await admin.writeKv1('legacy', 'app', legacy);
  app = await provisionApp(vault(), { readPaths: ['secret/data/saas/dev/*', 'legacy/app'] });
  allSecrets = [db.password, jwt.signing_key, legacy.token, app.secretId, app.roleId];
});
afterEach(() => killAllStarted());

describe('secrets reach the child', () => {
  test('from CLI-style and API-style paths, KV v1, env references and whole-path imports', async () => {
    const result = await runCli(
      [
        '--log-level',
        'debug',
        '--secret',
        'DB_PASSWORD=secret/saas/dev/database#password',
        '--secret',
        'DB_USER=secret/data/saas/dev/database#username',
        '--secret',
        'LEGACY_TOKEN=legacy/app#token',
        '--secrets',
        'JWT_=secret/saas/dev/jwt',
        '--',
        ...printEnv,
      ],
      {
        env: cliEnv(vault(), app, {
          ...NOISY,
          DB_PORT: 'vault:secret/saas/dev/database#port',
          DATABASE_URL:
            'postgresql://${vault:secret/saas/dev/database#username}:${vault:secret/saas/dev/database#password}@db/app',
          DB_OPTIONS: 'vault:secret/saas/dev/database#options',
          PLAIN: 'untouched',
          // Only vault:PATH#KEY is a reference: an image tag that starts with vault: is not one.
          IMAGE: 'vault:1.13.3',
        }),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('left IMAGE as inherited: a value is a reference only as vault:PATH#KEY');
    const env = childEnvFrom(result.stdout);
    expect(env).toMatchObject({
      IMAGE: 'vault:1.13.3',
      DB_PASSWORD: db.password,
      DB_USER: 'app_user',
      LEGACY_TOKEN: legacy.token,
      JWT_SIGNING_KEY: jwt.signing_key,
      JWT_ISSUER_URL: 'https://issuer.example',
      DB_PORT: '5432',
      DB_OPTIONS: '{"ssl":true}',
      DATABASE_URL: `postgresql://app_user:${db.password}@db/app`,
      PLAIN: 'untouched',
    });
    expect(leakedSecrets(result.stderr, allSecrets)).toEqual([]);
  });

  test('the child never receives VAULT_ROLE_ID, VAULT_SECRET_ID or VAULT_TOKEN', async () => {
    const result = await runCli(['--', ...printEnv], {
      env: cliEnv(vault(), app, { VAULT_TOKEN: 'should-not-pass' }),
    });
    expect(result.code, result.stderr).toBe(0);
    const env = childEnvFrom(result.stdout);
    expect(
      Object.keys(env).filter((name) => ['VAULT_ROLE_ID', 'VAULT_SECRET_ID', 'VAULT_TOKEN'].includes(name)),
    ).toEqual([]);
    expect(env.VAULT_ADDR).toBe(vault().addr);
  });

  test('--pass-token hands the child a working token of its own login, not the inherited one', async () => {
    const result = await runCli(['--pass-token', '--no-revoke-token', '--', ...printEnv], {
      env: cliEnv(vault(), app),
    });
    const token = childEnvFrom(result.stdout).VAULT_TOKEN!;
    expect(token).toBeTruthy();
    const lookup = await vault().admin.request('GET', 'auth/token/lookup-self', undefined, token);
    expect(lookup.body.data.meta.role_name).toBe(app.role);
  });

  test('a secret replacing an inherited variable is logged by name only', async () => {
    const result = await runCli(
      ['--secret', 'HOSTNAME_OVERRIDE=secret/saas/dev/database#password', '--', ...printEnv],
      {
        env: cliEnv(vault(), app, { HOSTNAME_OVERRIDE: 'old' }),
      },
    );
    expect(result.stderr).toContain(
      'secret HOSTNAME_OVERRIDE overrides the inherited variable of the same name',
    );
    expect(leakedSecrets(result.stderr, allSecrets)).toEqual([]);
  });

  test('the token is revoked when vault-exec exits', async () => {
    const result = await runCli(['--pass-token', '--', ...printEnv], { env: cliEnv(vault(), app) });
    const token = childEnvFrom(result.stdout).VAULT_TOKEN!;
    const lookup = await vault().admin.request('GET', 'auth/token/lookup-self', undefined, token);
    expect(lookup.status).toBe(403);
  });
});

describe('failures end before the child starts, with one clear line', () => {
  const runExpectingFailure = async (
    args: string[],
    extraEnv: Record<string, string> = {},
    credentials?: AppCredentials,
  ) => {
    const result = await runCli([...args, '--', ...printEnv], {
      env: cliEnv(vault(), credentials ?? app, { ...NOISY, ...extraEnv }),
    });
    expect(result.stdout).not.toContain('ENV ');
    const errorLines = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('vault-exec:') && !line.includes('waiting for'));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(leakedSecrets(result.stderr, allSecrets)).toEqual([]);
    return { code: result.code, line: errorLines.at(-1) ?? '' };
  };

  test('a missing path exits 78 naming the path', async () => {
    const { code, line } = await runExpectingFailure(['--secret', 'X=secret/saas/dev/nothing-here#key']);
    expect(code).toBe(78);
    expect(line).toContain(
      'secret not found: secret/saas/dev/nothing-here (secret/data/saas/dev/nothing-here)',
    );
  });

  test('a missing key exits 78 naming the key and the keys that exist, never their values', async () => {
    const { code, line } = await runExpectingFailure(['--secret', 'X=secret/saas/dev/database#passwd']);
    expect(code).toBe(78);
    expect(line).toBe(
      'vault-exec: key "passwd" not found in secret/saas/dev/database; keys present: options, password, port, username',
    );
  });

  test('a deleted latest version exits 78', async () => {
    await vault().admin.writeKv2('saas/dev/deleted', { value: 'x' });
    await vault().admin.deleteKv2Latest('saas/dev/deleted');
    const { code, line } = await runExpectingFailure(['--secret', 'X=secret/saas/dev/deleted#value']);
    expect(code).toBe(78);
    expect(line).toContain('latest version is deleted or destroyed');
  });

  test('a path outside the policy exits 77 naming the path', async () => {
    const { code, line } = await runExpectingFailure(['--secret', 'X=legacy/other#token']);
    expect(code).toBe(77);
    expect(line).toContain('permission denied reading legacy/other');
  });

  test('a KV v2 path outside the policy names the path as written and its API path', async () => {
    const { code, line } = await runExpectingFailure(['--secret', 'X=secret/other/x#k']);
    expect(code).toBe(77);
    expect(line).toContain('permission denied reading secret/other/x (secret/data/other/x) at ');
  });

  test('a wrong secret_id exits 77 with a hint and is not retried', async () => {
    const { code, line } = await runExpectingFailure(
      ['--secret', 'X=secret/saas/dev/database#password'],
      {},
      { ...app, secretId: 'wrong-secret-id-value' },
    );
    expect(code).toBe(77);
    expect(line).toMatch(
      /AppRole login rejected by .*invalid role or secret ID; the secret_id may be wrong, expired or already used up/,
    );
  });

  test('a malformed reference in the environment exits 64 naming the variable', async () => {
    const { code, line } = await runExpectingFailure([], {
      BROKEN: 'postgresql://${vault:secret/saas/dev/database}@db',
    });
    expect(code).toBe(64);
    expect(line).toContain('environment variable BROKEN');
  });
});
