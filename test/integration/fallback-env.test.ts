// The development-only .env fallback: used by `vault-exec run` when Vault stays unreachable or
// sealed, refused in production and in the container form, and never used to hide a mistake.
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { childEnvFrom, secretValue } from '../support/app-role';
import { createDevProject, createDeveloperToken, deadAddress, type DevProject } from '../support/dev-project';
import { rememberSecret } from '../support/leak-scan';
import { fixture, killAllStarted, runCli } from '../support/processes';
import { runInProcess } from '../support/run-in-process';
import { appPolicy } from '../support/vault-admin';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const printEnv = ['node', fixture('print-env.mjs')];
const local = {
  DB_PASSWORD: secretValue('local-db-password'),
  API_KEY: secretValue('local-api-key'),
  NOT_MAPPED: secretValue('not-mapped'),
};
let project: DevProject;
let token: string;
/** Where the checkout's Vault is: set as VAULT_ADDR, as `vault login` needs it too. */
let vaultAddr: string;

beforeAll(async () => {
  const { admin } = vault();
  await admin.writeKv2('dev/db', { password: secretValue('vault-db-password') });
  await admin.writePolicy('developer', appPolicy(['secret/data/dev/db']));
  token = rememberSecret(await createDeveloperToken(admin, 'developer'));
});
afterEach(() => {
  killAllStarted();
  project?.remove();
});

const MAPPING = ['secret: [DB_PASSWORD=secret/dev/db#password]', 'secrets: [API_=secret/dev/api]'];

/** A checkout whose project file maps names (by default two) and names .env as the fallback. */
function checkout(address: string, mapping: string[] = MAPPING): DevProject {
  vaultAddr = address;
  project = createDevProject();
  project.write('vault-exec.yaml', ['wait-timeout: 1s', ...mapping, 'fallback-env: .env', ''].join('\n'));
  project.write(
    '.env',
    [
      '# the old .env, kept for working offline',
      `DB_PASSWORD="${local.DB_PASSWORD}"`,
      `API_KEY=${local.API_KEY}`,
      `NOT_MAPPED=${local.NOT_MAPPED}`,
      '',
    ].join('\n'),
  );
  project.write('../home/.vault-token', token);
  return project;
}
const run = (args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { env: project.env({ VAULT_ADDR: vaultAddr, ...extra }), cwd: project.repo });

describe('Vault down in development', () => {
  test('starts the child with the mapped names from .env, a warning, and VAULT_EXEC_FALLBACK=1', async () => {
    checkout(await deadAddress());
    const result = await run(['run', '--', ...printEnv]);
    expect(result.code, result.stderr).toBe(0);
    const env = childEnvFrom(result.stdout);
    expect(env).toMatchObject({
      DB_PASSWORD: local.DB_PASSWORD,
      API_KEY: local.API_KEY,
      VAULT_EXEC_FALLBACK: '1',
    });
    expect(env.NOT_MAPPED).toBeUndefined();
    expect(result.stderr).toMatch(
      new RegExp(
        `vault-exec: warning: development fallback: starting the child with API_KEY, DB_PASSWORD from ${project.repo}/\\.env because Vault at http://127\\.0\\.0\\.1:\\d+ was not ready within 1 s \\(last: connection refused\\)`,
      ),
    );
  });

  test('a sealed Vault counts as down too', async () => {
    checkout(vault().addr);
    await vault().admin.seal();
    try {
      const result = await run(['run', '--', ...printEnv]);
      expect(result.code, result.stderr).toBe(0);
      expect(childEnvFrom(result.stdout).VAULT_EXEC_FALLBACK).toBe('1');
      expect(result.stderr).toContain('(last: sealed (503))');
    } finally {
      await vault().admin.unseal(vault().unsealKey);
    }
  });

  test('a fallback file that is missing leaves the outage as it was: 69, one line', async () => {
    checkout(await deadAddress());
    rmSync(join(project.repo, '.env'));
    const result = await run(['run', '--', ...printEnv]);
    expect(result.code).toBe(69);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      /^vault-exec: Vault at .* was not ready within 1 s .*; the development fallback .*\.env cannot be read either \(no such file\)$/,
    );
  });
});

describe('refused before anything starts', () => {
  const refusal = (name: string, value: string) =>
    `vault-exec: refusing the .env fallback: ${name}="${value}" says this is not development; unset ${name} or remove fallback-env`;

  // The refusal is decided before Vault is asked anything, so the rows run in-process; the bundle
  // shows the same line once.
  test.each([
    ['APP_ENV', 'production'],
    ['NODE_ENV', 'Production'],
    ['FLASK_ENV', 'prod'],
    ['VAULT_EXEC_ENV', 'STAGING'],
  ])('%s=%s exits 64 naming the variable, and starts no child', async (name, value) => {
    checkout(await deadAddress());
    const result = await runInProcess(['run', '--', ...printEnv], {
      env: project.env({ VAULT_ADDR: vaultAddr, [name]: value }),
      cwd: project.repo,
    });
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([refusal(name, value)]);
  });

  test('the bundle refuses APP_ENV=production with the same one line, and starts no child', async () => {
    checkout(await deadAddress());
    const result = await run(['run', '--', ...printEnv], { APP_ENV: 'production' });
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([refusal('APP_ENV', 'production')]);
  });

  test('the container form with --fallback-env exits 64', async () => {
    checkout(await deadAddress());
    const result = await run(['--fallback-env', '.env', '--', ...printEnv]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(
      /^vault-exec: the \.env fallback is for local development with `vault-exec run` only/,
    );
    const viaFile = await run(['--config', 'vault-exec.yaml', '--', ...printEnv]);
    expect(viaFile.code).toBe(64);
    expect(viaFile.stdout).toBe('');
  });
});

test('Vault up but the path forbidden exits 77: a mistake is never hidden by the fallback', async () => {
  checkout(vault().addr, ['secret: [DB_PASSWORD=secret/dev/forbidden#password]']);
  const result = await run(['run', '--', ...printEnv]);
  expect(result.code).toBe(77);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toContain('fallback');
});

test('a server at VAULT_ADDR that is not Vault (404 on sys/health) is a mistake too: 69, no fallback', async () => {
  // Any web server on the port, as when VAULT_ADDR names the wrong one: it is not a Vault that is down.
  const notVault = createServer((_, response) => response.writeHead(404).end('not found'));
  await new Promise<void>((resolve) => notVault.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = notVault.address() as { port: number };
    checkout(`http://127.0.0.1:${port}`);
    const result = await run(['run', '--', ...printEnv]);
    expect(result.code).toBe(69);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain('fallback');
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      /^vault-exec: Vault at .* was not ready within 1 s \(last: unexpected answer HTTP 404 from sys\/health\)/,
    );
  } finally {
    notVault.close();
  }
});
