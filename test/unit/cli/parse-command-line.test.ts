// The command line through parse and resolve, in-process: the resolve step reads an in-memory tree.
import { describe, expect, test } from 'vitest';
import { mergeOptions } from '../../../src/cli/merge-options';
import { parseCommandLine, type CommandLine } from '../../../src/cli/parse-command-line';
import type { Env } from '../../../src/util/env';
import { UsageError } from '../../../src/util/errors';
import { configFromArgv } from '../../support/config-from-argv';
import { memoryIo, type MemoryTree } from '../resolve/memory-io';

const env = { VAULT_ROLE_ID: 'role', VAULT_SECRET_ID: 'secret', HOME: '/nonexistent' };
const parse = (argv: string[], environment: Env, tree: MemoryTree = {}, cwd = '/') =>
  configFromArgv(argv, environment, memoryIo(tree, { cwd }));
const configOf = (argv: string[], extraEnv: Record<string, string> = {}) => {
  const result = parse(argv, { ...env, ...extraEnv });
  if (result.kind !== 'run') throw new Error('expected a run');
  return result.config;
};

describe('the child command', () => {
  test('everything after "--" goes to the child untouched, even our own flags', () => {
    expect(
      configOf(['--kill-timeout', '3s', '--', 'node', 'server.js', '--kill-timeout', 'x', '--', '--help'])
        .command,
    ).toEqual(['node', 'server.js', '--kill-timeout', 'x', '--', '--help']);
  });

  test.each([['env'], ['check'], ['run']])('"vault-exec -- %s" runs a program of that name', (program) => {
    expect(configOf(['--', program, '-x']).command).toEqual([program, '-x']);
  });

  test('the container form with no flag of its own (parsed without commander) reads as with a flag', () => {
    const bare = parseCommandLine(['--', 'node', 'server.js'], { VAULT_EXEC_CONFIG: 'app.yaml' });
    expect(bare).toEqual({
      kind: 'run',
      form: 'container',
      flags: {},
      command: ['node', 'server.js'],
      projectFile: { given: 'app.yaml', discover: false },
    });
    const flagged = parseCommandLine(['--log-level', 'info', '--', 'node', 'server.js'], {
      VAULT_EXEC_CONFIG: 'app.yaml',
    });
    expect({ ...flagged, flags: {} }).toEqual(bare);
    expect(
      configOf(['--', 'node'], { VAULT_EXEC_SECRET: 'A=secret/a#x' }).secrets.map((s) => s.name),
    ).toEqual(['A']);
    expect(() => configOf(['--'])).toThrow(UsageError);
  });

  test('"check" before "--" is the preflight subcommand and needs no command', () => {
    const result = parse(['check', '--secret', 'A=secret/a#x'], env);
    expect(result.kind).toBe('check');
    expect(result.kind !== 'exit' && result.config.secrets.map((s) => s.name)).toEqual(['A']);
  });

  test('check refuses a wrapped secret_id, since unwrapping would use it up', () => {
    expect(() => parse(['check', '--secret-id-wrapped'], env)).toThrow(
      /check cannot use a wrapped secret_id/,
    );
  });

  test('"run" is the same as no subcommand', () => {
    expect(configOf(['run', '--', 'npm', 'test']).command).toEqual(['npm', 'test']);
  });

  test('a command without "--" is accepted and stops option parsing', () => {
    expect(configOf(['--log-level', 'debug', 'node', 'server.js', '--log-level', 'x']).command).toEqual([
      'node',
      'server.js',
      '--log-level',
      'x',
    ]);
  });

  test('no command is a usage error', () => {
    expect(() => configOf([])).toThrow(UsageError);
    expect(() => configOf(['--'])).toThrow(/no command given/);
  });
});

describe('options', () => {
  test('defaults', () => {
    const config = configOf(['--', 'true']);
    expect(config).toMatchObject({
      vaultAddr: 'https://127.0.0.1:8200',
      waitTimeoutMs: 60_000,
      killTimeoutMs: 7_000,
      requestTimeoutMs: 10_000,
      revokeToken: true,
      passToken: false,
      logLevel: 'info',
      logFormat: 'text',
    });
    expect(config.auth).toEqual({
      method: 'approle',
      roleId: 'role',
      secretId: 'secret',
      secretIdWrapped: false,
      mount: 'approle',
      secretIdFile: undefined,
      removeSecretIdFile: false,
    });
  });

  test('env twins apply when the flag is absent, and the flag wins over its twin', () => {
    expect(
      configOf(['--', 'true'], { VAULT_EXEC_KILL_TIMEOUT: '3s', VAULT_ADDR: 'http://vault:8200' }),
    ).toMatchObject({ killTimeoutMs: 3_000, vaultAddr: 'http://vault:8200' });
    expect(
      configOf(['--kill-timeout', '5s', '--', 'true'], { VAULT_EXEC_KILL_TIMEOUT: '3s' }).killTimeoutMs,
    ).toBe(5_000);
    expect(configOf(['--no-revoke-token', '--', 'true']).revokeToken).toBe(false);
    expect(
      configOf(['--', 'true'], { VAULT_EXEC_REVOKE_TOKEN: 'false', VAULT_EXEC_PASS_TOKEN: '1' }),
    ).toMatchObject({ revokeToken: false, passToken: true });
  });

  test('--secret is repeatable and its env twin takes a list', () => {
    expect(
      configOf(['--secret', 'A=secret/a#x', '--secret', 'B=secret/b#y', '--', 'true']).secrets.map(
        (s) => s.name,
      ),
    ).toEqual(['A', 'B']);
    expect(
      configOf(['--', 'true'], { VAULT_EXEC_SECRET: 'A=secret/a#x,\nB=secret/b#y' }).secrets.map(
        (s) => s.name,
      ),
    ).toEqual(['A', 'B']);
  });

  test.each([
    [['--bogus', '--', 'true'], /unknown option '--bogus'/],
    [['--log-level', 'loud', '--', 'true'], /log-level/],
    [['--kill-timeout', 'soon', '--', 'true'], /--kill-timeout/],
    [['--secret', 'nope', '--', 'true'], /--secret/],
    [['--secret', 'A=x#y', '--secret', 'A=x#z', '--', 'true'], /more than once/],
    [['--vault-addr', 'vault:8200', '--', 'true'], /invalid Vault address/],
    [['node', '--', 'true'], /before "--"/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => configOf(argv as string[])).toThrow(message);
  });

  test('VAULT_SKIP_VERIFY=false keeps verification on, and bad values are rejected', () => {
    expect(configOf(['--', 'true'], { VAULT_SKIP_VERIFY: 'false' }).tls.skipVerify).toBe(false);
    expect(configOf(['--', 'true'], { VAULT_SKIP_VERIFY: 'true' }).tls.skipVerify).toBe(true);
    expect(() => configOf(['--', 'true'], { VAULT_SKIP_VERIFY: 'maybe' })).toThrow(/VAULT_SKIP_VERIFY/);
  });
});

describe('credentials', () => {
  test('falls back to VAULT_TOKEN when there is no role_id', () => {
    const result = parse(['--', 'true'], { VAULT_TOKEN: 'tok', HOME: '/nonexistent' });
    expect(result.kind === 'run' && result.config.auth).toEqual({
      method: 'token',
      token: 'tok',
      source: 'VAULT_TOKEN',
    });
  });

  test('no credentials at all is a usage error that says what to set', () => {
    expect(() => parse(['--', 'true'], { HOME: '/nonexistent' })).toThrow(
      /VAULT_ROLE_ID and VAULT_SECRET_ID/,
    );
  });

  test('a missing secret_id file is a usage error naming the file', () => {
    expect(() => configOf(['--secret-id-file', '/nonexistent/secret-id', '--', 'true'])).toThrow(
      'cannot read --secret-id-file /nonexistent/secret-id: no such file',
    );
  });
});

test('--help and --version exit 0 and print to stdout', () => {
  const help = parse(['--help'], env);
  expect(help).toMatchObject({ kind: 'exit', code: 0 });
  expect(help.kind === 'exit' && help.stdout).toContain('--kill-timeout <duration>');
  expect(parse(['--version'], env)).toEqual({ kind: 'exit', code: 0, stdout: 'vault-exec dev\n' });
});

describe('vault-exec env', () => {
  const envConfigOf = (argv: string[], extraEnv: Record<string, string> = {}) => {
    const result = parse(argv, { ...env, ...extraEnv });
    if (result.kind !== 'env') throw new Error('expected env');
    return result.config;
  };

  test('"env" before "--" is the subcommand; it needs no command and prints dotenv by default', () => {
    expect(envConfigOf(['env', '--secret', 'A=secret/a#x'])).toMatchObject({
      envFormat: 'dotenv',
      forceTerminal: false,
    });
  });

  test('--format and --force are read, and VAULT_EXEC_ENV_FORMAT is the twin of --format', () => {
    expect(envConfigOf(['env', '--format', 'github', '--force'])).toMatchObject({
      envFormat: 'github',
      forceTerminal: true,
    });
    expect(envConfigOf(['env'], { VAULT_EXEC_ENV_FORMAT: 'json' }).envFormat).toBe('json');
  });

  test.each([
    [['env', '--format', 'yaml'], /argument 'yaml' is invalid/],
    [['env', '--', 'node'], /vault-exec env runs no command/],
    [['env', '--pass-token'], /never prints its own token/],
    [['--format', 'json', '--', 'node'], /--format belongs to vault-exec env/],
    [['--force', '--', 'node'], /--force belongs to vault-exec env/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parse(argv, env)).toThrow(message);
  });
});

describe('--mask', () => {
  test('is off by default, on with the flag or VAULT_EXEC_MASK', () => {
    expect(configOf(['--', 'true']).mask).toBe(false);
    expect(configOf(['--mask', '--', 'true']).mask).toBe(true);
    expect(configOf(['--', 'true'], { VAULT_EXEC_MASK: 'true' }).mask).toBe(true);
  });
});

test('check with a role_id and nothing to read is a check (a login preflight), not a run or an error', () => {
  const result = parse(['check'], { VAULT_ROLE_ID: 'role', HOME: '/nonexistent' });
  expect(result).toMatchObject({ kind: 'check', config: { command: [], secrets: [], pathImports: [] } });
});

describe('vault-exec env and the project file', () => {
  const project = (text: string): MemoryTree => ({
    files: { '/home/dev/app/vault-exec.yaml': text },
    directories: ['/home/dev/app/.git'],
  });

  test('env reads the secrets of the project file it finds, as vault-exec run does', () => {
    const tree = project('secret:\n  - DB_PASSWORD=secret/app/db#password\n');
    const result = parse(['env', '--format', 'json'], { ...env, HOME: '/home/dev' }, tree, '/home/dev/app');
    expect(result.kind === 'env' && result.config.secrets.map((mapping) => mapping.name)).toEqual([
      'DB_PASSWORD',
    ]);
  });

  test("a project file's pass-token and fallback-env are for its runs: env ignores them", () => {
    const tree = project('pass-token: true\nfallback-env: .env\n');
    const result = parse(['env'], { ...env, HOME: '/home/dev' }, tree, '/home/dev/app');
    expect(result.kind === 'env' && result.config.fallbackEnv).toBeUndefined();
  });

  test('a --fallback-env given to env is refused: env prints what Vault holds, never a .env file', () => {
    expect(() => parse(['env', '--fallback-env', '.env'], env)).toThrow(
      'vault-exec env never falls back to a .env file: drop --fallback-env (VAULT_EXEC_FALLBACK_ENV)',
    );
  });
});

describe('parsing reads nothing', () => {
  const file = {
    path: '/app/vault-exec.yaml',
    shownAs: 'vault-exec.yaml',
    text: 'secret: [A=secret/a#x]\ncommand: [node, app.js]\nrole-id-file: role-id\nwait-timeout: 9s\n',
    discovered: true,
  };
  const lineOf = (argv: string[], environment: Env): Exclude<CommandLine, { kind: 'exit' }> => {
    const line = parseCommandLine(argv, environment);
    if (line.kind === 'exit') throw new Error('expected a command');
    return line;
  };

  test("argv, the environment and a project file's text become options, each with its source", () => {
    const environment = { VAULT_EXEC_WAIT_TIMEOUT: '5s', VAULT_SECRET_ID: 's' };
    const line = lineOf(['run', '--kill-timeout', '3s'], environment);
    expect(line.projectFile).toEqual({ given: undefined, discover: true });
    const options = mergeOptions(line, environment, file);
    expect(options.base).toMatchObject({
      command: ['node', 'app.js'],
      killTimeoutMs: 3_000,
      waitTimeoutMs: 5_000,
      projectFile: '/app/vault-exec.yaml',
    });
    expect(options.sources).toMatchObject({
      killTimeout: 'command line',
      waitTimeout: 'env',
      secret: 'file',
      roleIdFile: 'file',
      vaultAddr: 'default',
    });
    // The files are named, not read: the resolve step reads them.
    expect(options.auth).toEqual({
      method: 'approle',
      roleId: { kind: 'file', path: '/app/role-id', flag: '--role-id-file' },
      secretId: { kind: 'env', name: 'VAULT_SECRET_ID', value: 's' },
      secretIdWrapped: false,
      mount: 'approle',
      removeSecretIdFile: false,
    });
  });

  test.each([
    [['--', 'app'], {}, { discover: false }],
    [['check'], {}, { discover: true }],
    [
      ['env', '--config', 'ci.yaml'],
      { VAULT_EXEC_CONFIG: 'other.yaml' },
      { given: 'ci.yaml', discover: true },
    ],
    [['--', 'app'], { VAULT_EXEC_CONFIG: ' none ' }, { given: 'none', discover: false }],
  ])('%j with %j asks for the project file %j', (argv, environment, request) => {
    expect(lineOf(argv, environment).projectFile).toEqual({ given: undefined, ...request });
  });
});
