// The project file through parse and resolve, in-process over an in-memory checkout: where it is
// found, which forms read it, what wins over it, and the one line a bad file stops the start with.
// test/integration/project-file.test.ts keeps one run of the bundle against Vault per behaviour.
import { describe, expect, test } from 'vitest';
import type { Env } from '../../../src/util/env';
import { configFromArgv } from '../../support/config-from-argv';
import { memoryIo, type MemoryTree } from './memory-io';
import { NO_VAULT_LINE, runUntilVault } from './run-until-vault';

const HOME = '/home/dev';
const REPO = `${HOME}/repo`;
const shell: Env = { HOME, VAULT_ADDR: 'http://vault.test:8200', VAULT_TOKEN: 'dev-token' };
const PROJECT_FILE = 'secret:\n  - DB_PASSWORD=secret/proj/db#password\nsecrets: [API_=secret/proj/api]\n';

function checkout(files: Record<string, string>): MemoryTree {
  return {
    files: Object.fromEntries(Object.entries(files).map(([path, text]) => [`${REPO}/${path}`, text])),
    directories: [`${REPO}/.git`, `${REPO}/services/web`],
  };
}

function configIn(tree: MemoryTree, argv: string[], env: Env = shell, cwd = REPO) {
  const result = configFromArgv(argv, env, memoryIo(tree, { cwd }));
  if (result.kind === 'exit') throw new Error('expected a command');
  return result.config;
}
const namesOf = (config: { secrets: Array<{ name: string }>; pathImports: Array<{ path: string }> }) => [
  ...config.secrets.map((mapping) => mapping.name),
  ...config.pathImports.map((item) => item.path),
];

describe('where vault-exec run, check and env find the file', () => {
  test('in a parent directory, from a subdirectory of the repository; .yml too', () => {
    const tree = checkout({ 'vault-exec.yml': PROJECT_FILE });
    const config = configIn(tree, ['run', '--', 'app'], shell, `${REPO}/services/web`);
    expect(namesOf(config)).toEqual(['DB_PASSWORD', 'secret/proj/api']);
    expect(config.projectFile).toBe(`${REPO}/vault-exec.yml`);
  });

  test('never above the repository root: a file outside the repository is not used', () => {
    const tree = checkout({});
    tree.files![`${HOME}/vault-exec.yaml`] = PROJECT_FILE;
    const config = configIn(tree, ['run', '--', 'app'], shell, `${REPO}/services/web`);
    expect(config.projectFile).toBeUndefined();
    expect(config.secrets).toEqual([]);
  });

  test('the container form ignores a file in its directory, and reads one it is given', () => {
    const tree = checkout({ 'vault-exec.yaml': PROJECT_FILE, 'deploy/app.yaml': 'secret: [B=secret/b#x]\n' });
    expect(configIn(tree, ['--', 'app']).projectFile).toBeUndefined();
    expect(configIn(tree, ['--config', 'deploy/app.yaml', '--', 'app']).projectFile).toBe(
      `${REPO}/deploy/app.yaml`,
    );
    const byTwin = configIn(tree, ['--', 'app'], { ...shell, VAULT_EXEC_CONFIG: `${REPO}/deploy/app.yaml` });
    expect(namesOf(byTwin)).toEqual(['B']);
    expect(configIn(tree, ['run', '--config', 'none', '--', 'app']).projectFile).toBeUndefined();
  });

  test('the file can hold the command, so `vault-exec run` needs no arguments', () => {
    const tree = checkout({ 'vault-exec.yaml': `${PROJECT_FILE}command: [node, server.js]\n` });
    expect(configIn(tree, ['run']).command).toEqual(['node', 'server.js']);
  });
});

describe('precedence: the command line, then the env twin, then the file, then the default', () => {
  const tree = checkout({
    'vault-exec.yaml': 'secret: [PICKED=secret/proj/db#username]\nwait-timeout: 9s\n',
  });
  const twin = { VAULT_EXEC_SECRET: 'PICKED=secret/proj/db#password', VAULT_EXEC_WAIT_TIMEOUT: '8s' };
  test.each([
    [[], {}, 'secret/proj/db#username', 9_000],
    [[], twin, 'secret/proj/db#password', 8_000],
    [['--secret', 'PICKED=secret/proj/api#key', '--wait-timeout', '7s'], twin, 'secret/proj/api#key', 7_000],
    [[], { VAULT_EXEC_CONFIG: 'none' }, undefined, 60_000],
  ])('flags %j with %j read %s and wait %d ms', (flags, env, picked, waitMs) => {
    const config = configIn(tree, ['run', ...flags, '--', 'app'], { ...shell, ...env });
    const mapping = config.secrets[0];
    expect(mapping && `${mapping.ref.path}#${mapping.ref.key}`).toBe(picked);
    expect(config.waitTimeoutMs).toBe(waitMs);
  });
});

test("the file's vault-addr never receives your own token: VAULT_ADDR must say where it goes", async () => {
  const tree = checkout({ 'vault-exec.yaml': `vault-addr: http://127.0.0.1:8200\n${PROJECT_FILE}` });
  tree.files![`${HOME}/.vault-token`] = 'dev-token\n';
  const refused = await runUntilVault(['run', '--', 'app'], { tree, cwd: REPO, env: { HOME } });
  expect(refused.code).toBe(64);
  expect(refused.lines).toEqual([
    `vault-exec: ${REPO}/vault-exec.yaml sets vault-addr http://127.0.0.1:8200, but your own token (from ~/.vault-token) only goes to an address you set: if you trust it, set VAULT_ADDR or --vault-addr yourself (vault login needs it too)`,
  ]);
  const chosen = await runUntilVault(['run', '--', 'app'], {
    tree,
    cwd: REPO,
    env: { HOME, VAULT_ADDR: 'http://127.0.0.1:8200' },
  });
  expect(chosen.lines.at(-1)).toBe(NO_VAULT_LINE);
  expect(chosen.vault?.address).toBe('http://127.0.0.1:8200');
});

describe('a malformed project file stops the start with 64 and one line naming file, line and key', () => {
  const literal = 'sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
  test.each([
    [
      'bad YAML',
      'secret:\n  - DB=secret/proj/db#password\n  oops: [\n',
      /^vault-exec: vault-exec.yaml:3: invalid YAML: /,
    ],
    [
      'an unknown key',
      'wait-timeout: 5s\nsecert: [A=secret/proj/db#password]\n',
      /^vault-exec: vault-exec.yaml:2: unknown key "secert" \(did you mean "secret"\?\)/,
    ],
    [
      'a wrong type',
      'secret: [A=secret/proj/db#password]\n\nwatch: true\n',
      /^vault-exec: vault-exec.yaml:3: "watch" takes a duration, not a boolean/,
    ],
    [
      'a literal secret',
      `secret:\n  - STRIPE_KEY=${literal}\n`,
      /^vault-exec: vault-exec.yaml:2: the value of "secret" looks like a random key or password, .*put the value in Vault/,
    ],
    [
      'a short literal password',
      'secret:\n  - DB=secret/proj/db#password\n  - DB_PASSWORD=hunter2\n',
      /^vault-exec: vault-exec.yaml:3: "secret": an entry is not a NAME=PATH#KEY reference; .*put the value in Vault/,
    ],
    [
      'a literal token',
      `vault-addr: http://127.0.0.1:8200\nrole-id-file: ${literal}\n`,
      /^vault-exec: vault-exec.yaml:2: the value of "role-id-file" looks like a random key or password/,
    ],
  ])('%s', async (_, text, expected) => {
    const result = await runUntilVault(['run', '--', 'app'], {
      tree: checkout({ 'vault-exec.yaml': text }),
      cwd: REPO,
      env: { ...shell, VAULT_EXEC_LOG_LEVEL: 'debug' },
    });
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(expected);
    expect(result.lines[0]).not.toContain(literal);
    expect(result.lines[0]).not.toContain('hunter2');
  });
});

describe('the file outputs in a project file', () => {
  test('every key of --file, --template, --certificate and their settings; a template next to the file', () => {
    const tree = checkout({
      'vault-exec.yaml': [
        'file: [sa.json=secret/proj/gcp#key]',
        'template: [config/app.ini.tpl:app.ini]',
        'certificate: ["tls=pki/web?common_name=app.example.com&alt_names=www.example.com&ttl=72h"]',
        'files-dir: run/secrets',
        'file-mode: "0440"',
        'reload-signal: HUP',
        '',
      ].join('\n'),
      'config/app.ini.tpl': 'password=${vault:secret/proj/db#password}\n',
    });
    // Given with --config, so trusted: a found file may not choose files-dir (below).
    const { files } = configIn(
      tree,
      ['run', '--config', `${REPO}/vault-exec.yaml`, '--', 'app'],
      shell,
      `${REPO}/services/web`,
    );
    expect(files).toEqual({
      dir: `${REPO}/run/secrets`,
      mode: 0o440,
      reloadSignal: 'SIGHUP',
      files: [{ dest: 'sa.json', ref: { path: 'secret/proj/gcp', key: 'key' } }],
      templates: [
        {
          source: `${REPO}/config/app.ini.tpl`,
          dest: 'app.ini',
          parts: [
            { literal: 'password=' },
            { ref: { path: 'secret/proj/db', key: 'password' } },
            { literal: '\n' },
          ],
        },
      ],
      certificates: [
        {
          name: 'tls',
          mount: 'pki',
          role: 'web',
          params: { common_name: 'app.example.com', alt_names: 'www.example.com', ttl: '72h' },
        },
      ],
    });
  });
});

describe('what a found file may do with files', () => {
  test('it may not choose files-dir, where files are written and stale ones deleted', () => {
    const tree = checkout({ 'vault-exec.yaml': 'files-dir: /home/dev\nfile: [notes.txt=secret/proj/x#k]\n' });
    expect(() => configIn(tree, ['run', '--', 'app'])).toThrow(
      /^refusing the project file .*: its files-dir would choose where secret files are written and old ones deleted; drop files-dir from it/,
    );
    // Without files-dir its files go to a fresh private directory.
    const without = checkout({ 'vault-exec.yaml': 'file: [notes.txt=secret/proj/x#k]\n' });
    expect(configIn(without, ['run', '--', 'app']).files.dir).toBeUndefined();
  });

  test('its templates must be in the repository', () => {
    const tree = checkout({ 'vault-exec.yaml': 'template: [/home/dev/.aws/credentials:creds]\n' });
    tree.files![`${HOME}/.aws/credentials`] = '[default]\n';
    expect(() => configIn(tree, ['run', '--', 'app'])).toThrow(
      /its template \/home\/dev\/\.aws\/credentials is outside its repository/,
    );
  });
});
