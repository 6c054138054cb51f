import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../../src/util/errors';
import { parseProjectFile } from '../../../../src/cli/project-file/parse-project-file';

const file = { path: '/project/vault-exec.yaml', shownAs: 'vault-exec.yaml' };
const parse = (text: string) => parseProjectFile(text, file);
const messageOf = (text: string): string => {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('keys and values', () => {
  test('keys are the long flag names; lists, strings, numbers and booleans are typed as commander gives them', () => {
    const loaded = parse(
      [
        'vault-addr: http://127.0.0.1:8200',
        'secret:',
        '  - DB_PASSWORD=secret/app/db#password',
        '  - "API_KEY=secret/app/api#key"',
        'secrets: [DB_=secret/app/db]',
        'wait-timeout: 30',
        'kill-timeout: 5s',
        'pass-token: true',
        'log-level: debug',
      ].join('\n'),
    );
    expect(loaded.values).toEqual({
      vaultAddr: 'http://127.0.0.1:8200',
      secret: ['DB_PASSWORD=secret/app/db#password', 'API_KEY=secret/app/api#key'],
      secrets: ['DB_=secret/app/db'],
      waitTimeout: '30',
      killTimeout: '5s',
      passToken: true,
      logLevel: 'debug',
    });
  });

  test('a negated flag is written as it is spelt: no-revoke-token: true turns revocation off', () => {
    expect(parse('no-revoke-token: true').values).toEqual({ revokeToken: false });
  });

  test('a single value for a repeatable flag is a list of one', () => {
    expect(parse('secrets: secret/app/db').values).toEqual({ secrets: ['secret/app/db'] });
  });

  test('paths are resolved against the directory of the file', () => {
    expect(parse('fallback-env: .env\nrole-id-file: /run/role-id').values).toEqual({
      fallbackEnv: '/project/.env',
      roleIdFile: '/run/role-id',
    });
  });

  test('a mount path is a name inside Vault, not a file: it is not resolved against the directory', () => {
    expect(parse('auth-mount: gitlab\napprole-mount: ci/approle').values).toEqual({
      authMount: 'gitlab',
      approleMount: 'ci/approle',
    });
  });

  test('command is a list of words, or one word', () => {
    expect(parse('command: [flask, run, --debug]').command).toEqual(['flask', 'run', '--debug']);
    expect(parse('command: pytest').command).toEqual(['pytest']);
    expect(messageOf('command: flask run')).toMatch(/^vault-exec.yaml:1: "command" takes a list of words/);
  });

  test('an empty file, or one with comments only, sets nothing', () => {
    expect(parse('').values).toEqual({});
    expect(parse('# nothing yet\n').values).toEqual({});
  });
});

describe('every problem is one line naming the file, the line and the key', () => {
  test.each([
    ['bad YAML', 'secret:\n  - A=secret/a#b\n  b: [x\n', /^vault-exec.yaml:3: invalid YAML: /],
    [
      'a duplicate key',
      'watch: 1m\nwatch: 2m\n',
      /^vault-exec.yaml:2: invalid YAML: Map keys must be unique/,
    ],
    [
      'an unknown key, with the likely intent',
      'vault-addr: http://v:8200\n\n\nsecert: [A=secret/a#b]\n',
      /^vault-exec.yaml:4: unknown key "secert" \(did you mean "secret"\?\)/,
    ],
    ['an unknown key far from any', 'colour: blue', /^vault-exec.yaml:1: unknown key "colour"; keys are/],
    ['a string for a boolean', 'pass-token: yes', /^vault-exec.yaml:1: "pass-token" takes true or false$/],
    [
      'a boolean for a duration',
      'watch: true',
      /^vault-exec.yaml:1: "watch" takes a duration, not a boolean$/,
    ],
    [
      'a YAML value that is not text, such as .inf',
      'wait-timeout: .inf',
      /^vault-exec.yaml:1: "wait-timeout" takes a duration, not a special YAML value \(write text in quotes\)$/,
    ],
    [
      'a list for a string',
      'vault-addr: [a, b]',
      /^vault-exec.yaml:1: "vault-addr" takes a Vault address, not a list$/,
    ],
    [
      'a missing value',
      'kill-timeout:',
      /^vault-exec.yaml:1: "kill-timeout" takes a duration, but it has no value$/,
    ],
    [
      'a mapping in a list',
      'secret:\n  - A: b\n',
      /^vault-exec.yaml:2: each entry of "secret" is a NAME=PATH#KEY/,
    ],
    ['a bad duration', '\nwait-timeout: soon', /^vault-exec.yaml:2: "wait-timeout": invalid duration "soon"/],
    [
      'a bad address',
      'vault-addr: ftp://x',
      /^vault-exec.yaml:1: "vault-addr": the scheme must be http or https$/,
    ],
    [
      'a bad choice',
      'log-format: xml',
      /^vault-exec.yaml:1: "log-format" must be one of text, json, not "xml"$/,
    ],
    ['a bad reference', 'secrets: ["a b"]', /^vault-exec.yaml:1: "secrets": invalid secret path/],
    ['another project file', 'config: other.yaml', /^vault-exec.yaml:1: "config" is not allowed here/],
    ['a credential key', 'token: x', /^vault-exec.yaml:1: "token" is not allowed here: credentials never go/],
    ['a JWT key', 'jwt: x', /^vault-exec.yaml:1: "jwt" is not allowed here: credentials never go .*jwt-file/],
    [
      'a list for a choice',
      'log-format: [text]',
      /^vault-exec.yaml:1: "log-format" takes one of text, json, not a list$/,
    ],
    ['not a mapping', '- a\n- b\n', /^vault-exec.yaml:1: expected "key: value" lines/],
  ])('%s', (_, text, expected) => {
    const message = messageOf(text);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });
});

describe('a file holds references only', () => {
  const literal = 'hvs.CAESIJ0vGZtFqK3jXpYw2bN8dQ9eR7tU1oL5mA6sV4cH';
  test.each([
    [
      'a value where a reference belongs',
      'secret:\n  - DB_PASSWORD=hunter2-but-longer\n',
      'NAME=PATH#KEY reference',
      2,
    ],
    ['a value where a path import belongs', 'secrets: [DB_PASSWORD=hunter2]', '[PREFIX=]PATH reference', 1],
    ['a value with a hash', 'secret: ["DB_PASSWORD=pass#word"]', 'NAME=PATH#KEY reference', 1],
    ['a Vault token in a duration', `watch: ${literal}`, 'a Vault token', 1],
    ['a JWT in a path', 'fallback-env: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'JWT', 1],
    [
      'a secret_id-like UUID in a path',
      'secret-id-file: 6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8',
      'role_id or secret_id',
      1,
    ],
    ['a password in the address', 'vault-addr: https://admin:s3cret@vault:8200', 'password in it', 1],
    ['a random key in a command', 'command: [app, --key, 9f8e7d6c5b4a39281706f5e4d3c2b1a0]', 'random key', 1],
  ])('%s is refused without printing it', (_, text, what, line) => {
    const message = messageOf(text);
    expect(message).toMatch(new RegExp(`^vault-exec.yaml:${line}: `));
    expect(message).toContain(what);
    expect(message).toContain('put the value in Vault');
    const value = text.slice(text.indexOf(':') + 1);
    for (const word of value.split(/[\s=,[\]]+/).filter((w) => w.length >= 12))
      expect(message).not.toContain(word);
  });

  test('paths, references, durations and addresses of real projects pass', () => {
    expect(() =>
      parse(
        [
          'vault-addr: https://vault.internal.example.com:8200',
          'secret: [POSTGRES_PASSWORD=secret/saas-project/dev/database#password]',
          'secrets: [S3_=secret/saas-project/dev/storage, database/creds/app-readonly-role]',
          'fallback-env: ../config/development.local.env',
          'watch: 1m30s',
          'command: [python, -m, flask, run, --port, "5000"]',
        ].join('\n'),
      ),
    ).not.toThrow();
  });
});
