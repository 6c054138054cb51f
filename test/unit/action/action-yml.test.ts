import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { ACTION_INPUTS, translateInputs } from '../../../src/action/inputs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const action = parse(readFileSync(`${root}action.yml`, 'utf8')) as {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  runs: { using: string; main: string };
};

describe('action.yml', () => {
  test('runs a committed entry on a Node 20+ runtime', () => {
    expect(action.runs.using).toMatch(/^node(2\d|[3-9]\d)$/);
    expect(existsSync(`${root}${action.runs.main}`)).toBe(true);
  });

  test('declares exactly the inputs the entry reads, each described', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(ACTION_INPUTS).sort());
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).not.toBe('');
  });

  test("maps each input to the setting it always has, from the options table's rows", () => {
    expect(ACTION_INPUTS).toEqual({
      url: 'VAULT_ADDR',
      method: 'VAULT_EXEC_AUTH',
      role: 'VAULT_EXEC_ROLE',
      'auth-mount': 'VAULT_EXEC_AUTH_MOUNT',
      'jwt-audience': 'VAULT_EXEC_JWT_AUDIENCE',
      'role-id': 'VAULT_ROLE_ID',
      'secret-id': 'VAULT_SECRET_ID',
      token: 'VAULT_TOKEN',
      namespace: 'VAULT_NAMESPACE',
      'ca-cert': 'VAULT_CACERT',
      'wait-timeout': 'VAULT_EXEC_WAIT_TIMEOUT',
      'log-level': 'VAULT_EXEC_LOG_LEVEL',
      secrets: undefined,
      'export-env': undefined,
    });
  });

  test('requires url and secrets, and exports to the environment by default', () => {
    expect(action.inputs.url?.required).toBe(true);
    expect(action.inputs.secrets?.required).toBe(true);
    expect(action.inputs['export-env']?.default).toBe('true');
  });
});

describe('the inputs as the runner passes them', () => {
  const step = {
    PATH: '/usr/bin',
    GITHUB_ENV: '/runner/env',
    GITHUB_OUTPUT: '/runner/output',
    INPUT_URL: 'https://vault.example.com:8200',
    INPUT_METHOD: 'jwt',
    INPUT_ROLE: 'ci',
    'INPUT_JWT-AUDIENCE': 'https://github.com/acme',
    'INPUT_AUTH-MOUNT': 'jwt-github',
    INPUT_SECRETS:
      'DB_PASSWORD=secret/app/db#password\n\n# a comment\n  API_KEY=secret/app/api#key with space  \r\n',
    'INPUT_EXPORT-ENV': 'true',
  };

  test('become env twins and one --secret per line, and run env --format github', () => {
    const run = translateInputs(step);
    expect(run.args).toEqual([
      'env',
      '--format',
      'github',
      '--secret',
      'DB_PASSWORD=secret/app/db#password',
      '--secret',
      'API_KEY=secret/app/api#key with space',
    ]);
    expect(run.env).toMatchObject({
      VAULT_ADDR: 'https://vault.example.com:8200',
      VAULT_EXEC_AUTH: 'jwt',
      VAULT_EXEC_ROLE: 'ci',
      VAULT_EXEC_JWT_AUDIENCE: 'https://github.com/acme',
      VAULT_EXEC_AUTH_MOUNT: 'jwt-github',
      GITHUB_ENV: '/runner/env',
      PATH: '/usr/bin',
    });
  });

  test("are the whole configuration: the workspace's vault-exec.yaml is never read", () => {
    expect(translateInputs({ ...step, VAULT_EXEC_CONFIG: 'vault-exec.yaml' }).env.VAULT_EXEC_CONFIG).toBe(
      'none',
    );
  });

  test('are not passed on as INPUT_* variables (a secret-id or token among them)', () => {
    const run = translateInputs({ ...step, 'INPUT_SECRET-ID': 'sid', INPUT_TOKEN: 'tok' });
    expect(Object.keys(run.env).filter((name) => name.startsWith('INPUT_'))).toEqual([]);
    expect(run.env).toMatchObject({ VAULT_SECRET_ID: 'sid', VAULT_TOKEN: 'tok' });
  });

  test('with export-env false, write the values to $GITHUB_OUTPUT as step outputs', () => {
    expect(translateInputs({ ...step, 'INPUT_EXPORT-ENV': 'false' }).env.GITHUB_ENV).toBe('/runner/output');
  });

  test.each([
    [{ INPUT_SECRETS: '\n# nothing\n' }, /the secrets input is empty/],
    [{ 'INPUT_EXPORT-ENV': 'yes please' }, /invalid export-env input "yes please"/],
  ])('%j is refused in one line', (override, message) => {
    expect(() => translateInputs({ ...step, ...override })).toThrow(message);
  });
});
