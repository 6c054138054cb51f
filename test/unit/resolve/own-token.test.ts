import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/util/errors';
import { findOwnToken, parseTokenHelperSetting } from '../../../src/resolve/own-token';
import { configFromArgv } from '../../support/config-from-argv';
import { memoryIo } from './memory-io';
import { runUntilVault } from './run-until-vault';

describe('token_helper in the Vault CLI config', () => {
  test.each([
    ['token_helper = "/usr/local/bin/vault-helper"', '/usr/local/bin/vault-helper'],
    ['  token_helper="/opt/h"  # set by IT', '/opt/h'],
    ['ui = true\n\ntoken_helper = "/a b/helper"\n', '/a b/helper'],
    ['{\n  "token_helper": "/json/helper"\n}', '/json/helper'],
    ['token_helper = "C:\\\\tools\\\\helper.exe"', 'C:\\tools\\helper.exe'],
    ['token_helper = "vault-helper-on-path"', 'vault-helper-on-path'],
  ])('%j names %s', (text, helper) => {
    expect(parseTokenHelperSetting(text)).toBe(helper);
  });

  test.each([
    ['# token_helper = "/commented"'],
    ['// token_helper = "/commented"'],
    ['token_helper = ""'],
    ['other_helper = "/x"'],
    [''],
  ])('%j names no helper', (text) => {
    expect(parseTokenHelperSetting(text)).toBeUndefined();
  });
});

describe('the order of the sources', () => {
  const files = (entries: Record<string, string>) => (path: string) => {
    if (path in entries) return entries[path]!;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  const noHelper = () => {
    throw new Error('no helper expected');
  };
  const ioOf = (
    readFile: (path: string) => string,
    runTokenHelper: (helper: string) => string = noHelper,
  ) => ({
    readFile,
    runTokenHelper,
    accountHome: () => undefined,
  });
  const home = { HOME: '/home/dev' };
  const config = { '/home/dev/.vault': 'token_helper = "/bin/helper"' };
  const tokenFile = { '/home/dev/.vault-token': 'file-token\n' };
  const helper = (token: string) => () => `${token}\n`;

  test('VAULT_TOKEN, then the helper, then ~/.vault-token', () => {
    const all = files({ ...config, ...tokenFile });
    expect(findOwnToken({ ...home, VAULT_TOKEN: 'env-token' }, ioOf(all, helper('helper-token')))).toEqual({
      token: 'env-token',
      source: 'VAULT_TOKEN',
    });
    expect(findOwnToken(home, ioOf(all, helper('helper-token')))).toEqual({
      token: 'helper-token',
      source: 'the token helper /bin/helper (from ~/.vault)',
    });
    expect(findOwnToken(home, ioOf(all, helper('')))).toEqual({
      token: 'file-token',
      source: '~/.vault-token',
    });
    expect(findOwnToken(home, ioOf(files(tokenFile)))).toEqual({
      token: 'file-token',
      source: '~/.vault-token',
    });
    expect(findOwnToken(home, ioOf(files({})))).toBeUndefined();
  });

  test('VAULT_CONFIG_PATH replaces ~/.vault', () => {
    const read = files({ '/etc/vault-cli.hcl': 'token_helper = "/bin/other"', ...config });
    const seen: string[] = [];
    findOwnToken(
      { ...home, VAULT_CONFIG_PATH: '/etc/vault-cli.hcl' },
      ioOf(read, (path) => {
        seen.push(path);
        return 't';
      }),
    );
    expect(seen).toEqual(['/bin/other']);
  });

  test('a helper that fails is a usage error naming it and its exit status, never its output on stdout', () => {
    const failing = () => {
      throw Object.assign(new Error('Command failed'), {
        status: 2,
        stderr: 'no keychain\nmore',
        stdout: 'partial-token',
      });
    };
    let message = '';
    try {
      findOwnToken(home, ioOf(files(config), failing));
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      message = (error as Error).message;
    }
    expect(message).toBe(
      'the Vault token helper /bin/helper (token_helper in ~/.vault) failed (exit 2: no keychain); run "/bin/helper get" to see why, or fix token_helper',
    );
  });
});

describe('the resolve step, in-process over an in-memory HOME', () => {
  const HOME = '/home/dev';
  const helperConfig = { [`${HOME}/.vault`]: 'token_helper = "/opt/helper"\n' };
  const tokenFile = { [`${HOME}/.vault-token`]: 'file-token\n' };
  const helperSays = (token: string) => (helper: string) => {
    expect(helper).toBe('/opt/helper');
    return `${token}\n`;
  };
  test.each([
    ['VAULT_TOKEN first', { VAULT_TOKEN: 'env-token' }, { ...helperConfig, ...tokenFile }, 'VAULT_TOKEN'],
    [
      'then the token helper, before ~/.vault-token',
      {},
      { ...helperConfig, ...tokenFile },
      'the token helper /opt/helper (from ~/.vault)',
    ],
    [
      'VAULT_CONFIG_PATH names another config file',
      { VAULT_CONFIG_PATH: '/etc/vault.hcl' },
      { '/etc/vault.hcl': 'token_helper = "/opt/helper"\n' },
      'the token helper /opt/helper (from /etc/vault.hcl)',
    ],
    ['~/.vault-token last, as `vault login` leaves it', {}, tokenFile, '~/.vault-token'],
  ])('%s', (_, env, files, source) => {
    const io = memoryIo({ files }, { runTokenHelper: helperSays('helper-token') });
    const result = configFromArgv(['run', '--', 'app'], { HOME, ...env }, io);
    expect(result.kind === 'run' && result.config.auth).toMatchObject({ method: 'token', source });
  });

  test('a token helper that is not an absolute path is refused, never looked up on PATH', () => {
    let ran = false;
    const io = memoryIo(
      { files: { [`${HOME}/.vault`]: 'token_helper = "vault-keychain-helper"\n', ...tokenFile } },
      { runTokenHelper: () => ((ran = true), 'helper-token') },
    );
    expect(() => configFromArgv(['run', '--', 'app'], { HOME }, io)).toThrow(
      'the Vault token helper vault-keychain-helper (token_helper in ~/.vault) is not an absolute path',
    );
    expect(ran).toBe(false);
  });

  test('a helper that has no token stored lets ~/.vault-token answer', () => {
    const io = memoryIo({ files: { ...helperConfig, ...tokenFile } }, { runTokenHelper: helperSays('') });
    const result = configFromArgv(['run', '--', 'app'], { HOME }, io);
    expect(result.kind === 'run' && result.config.auth).toEqual({
      method: 'token',
      token: 'file-token',
      source: '~/.vault-token',
    });
  });

  test('with no login at all, the one line says to run vault login', async () => {
    const result = await runUntilVault(['run', '--', 'app'], { env: { HOME } });
    expect(result.code).toBe(64);
    expect(result.lines).toEqual([
      'vault-exec: no Vault credentials: set VAULT_ROLE_ID and VAULT_SECRET_ID (or --role-id-file and --secret-id-file) for AppRole, or for development log in with `vault login` (or set VAULT_TOKEN)',
    ]);
  });
});
