// `vault-exec env`: prints the secrets for the next steps of a CI job, in each format, read back by
// that format's consumer; refuses a terminal; revokes its token.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import dotenv from 'dotenv';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { readAddMaskCommands, readDockerEnvFile, readGithubEnvFile } from '../support/env-file-readers';
import { rememberSecret } from '../support/leak-scan';
import { cliCommand, killAllStarted, runCli, startCli } from '../support/processes';
import { closeAllTerminals, startInTerminal } from '../support/terminal';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;

/** Stored under secret/env/hard; `--secrets secret/env/hard` names them by their (upper-case) keys. */
const HARD: Record<string, string> = {
  NEWLINES: `first ${secretValue('line')}\nsecond line\n\nafter a blank line\n`,
  QUOTES: `it's "quoted" ${secretValue('q')}`,
  DOLLAR: '$HOME ${PATH} $(id) `id`',
  BACKSLASHES: 'C:\\new\\table\\ and \\n literally\\',
  EQUALS_HASH: 'a=b#c # not a comment',
  NON_ASCII: 'grüße, 日本語, 😀',
  SPACES: '  leading and trailing  ',
  PEM: `-----BEGIN KEY-----\n${secretValue('pem')}\n-----END KEY-----`,
};
// Deliberately not registered with the leak scan: --force puts it on the (scanned) terminal.
const shownOnPurpose = `shown-on-purpose-${randomBytes(8).toString('hex')}`;
const SINGLE_LINE = Object.fromEntries(Object.entries(HARD).filter(([, value]) => !value.includes('\n')));

beforeAll(async () => {
  await vault().admin.writeKv2('env/hard', HARD);
  await vault().admin.writeKv2('env/single', SINGLE_LINE);
  await vault().admin.writeKv2('env/app', { password: secretValue('db-password'), bad: `'"\`` });
  await vault().admin.writeKv2('env/visible', { value: shownOnPurpose });
  app = await provisionApp(vault(), { readPaths: ['secret/data/env/*'] });
});
afterEach(() => {
  killAllStarted();
  closeAllTerminals();
});

const envCli = (args: string[], extra: Record<string, string> = {}) =>
  runCli(['env', ...args], { env: cliEnv(vault(), app, extra) });

describe('every format reads back exactly through its consumer', () => {
  test('dotenv: the dotenv package and Node util.parseEnv', async () => {
    const result = await envCli(['--secrets', 'secret/env/hard']);
    expect(result.code, result.stderr).toBe(0);
    expect(dotenv.parse(result.stdout)).toEqual(HARD);
    expect(parseEnv(result.stdout)).toEqual(HARD);
  });

  test('json: JSON.parse, one object', async () => {
    const result = await envCli(['--format', 'json', '--secrets', 'secret/env/hard']);
    expect(JSON.parse(result.stdout)).toEqual(HARD);
  });

  test('shell: eval in sh, then printf of each variable', async () => {
    const result = await envCli(['--format', 'shell', '--secrets', 'secret/env/hard']);
    const names = Object.keys(HARD);
    const printed = execFileSync(
      'sh',
      [
        '-c',
        `eval "$1"; for n in ${names.join(' ')}; do eval "printf '%s\\0' \\"\\$$n\\""; done`,
        'sh',
        result.stdout,
      ],
      { encoding: 'utf8' },
    );
    expect(Object.fromEntries(names.map((name, i) => [name, printed.split('\0')[i]]))).toEqual(HARD);
  });

  test('docker: docker --env-file rules, for single-line values', async () => {
    const result = await envCli(['--format', 'docker', '--secrets', 'secret/env/single']);
    expect(Object.fromEntries(readDockerEnvFile(result.stdout))).toEqual(SINGLE_LINE);
  });

  test('github: $GITHUB_ENV parsed as the runner does, and ::add-mask:: for every line of every value', async () => {
    const githubEnv = join(mkdtempSync(join(tmpdir(), 'vault-exec-gh-')), 'env');
    writeFileSync(githubEnv, 'EARLIER_STEP=kept\n');
    const result = await envCli(['--format', 'github', '--secrets', 'secret/env/hard'], {
      GITHUB_ENV: githubEnv,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(Object.fromEntries(readGithubEnvFile(readFileSync(githubEnv, 'utf8')))).toEqual({
      EARLIER_STEP: 'kept',
      ...HARD,
    });
    const masks = readAddMaskCommands(result.stdout);
    for (const value of Object.values(HARD))
      for (const line of value.split('\n').filter((l) => l.trim() !== '')) expect(masks).toContain(line);
    // stdout holds the mask commands and nothing else.
    expect(
      result.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('::add-mask::')),
    ).toEqual([]);
  });
});

test('prints only the secret variables, a vault: reference among them, never the inherited environment', async () => {
  const result = await envCli(['--format', 'json', '--secret', 'DB=secret/env/app#password'], {
    FROM_REF: 'vault:secret/env/app#password',
    UNRELATED: 'inherited',
  });
  expect(Object.keys(JSON.parse(result.stdout)).sort()).toEqual(['DB', 'FROM_REF']);
});

test('with --format github, a secret interpolated into a longer value gets its own mask', async () => {
  const githubEnv = join(mkdtempSync(join(tmpdir(), 'vault-exec-gh-')), 'env');
  const result = await envCli(['--format', 'github'], {
    GITHUB_ENV: githubEnv,
    DATABASE_URL: 'postgres://app:${vault:secret/env/app#password}@db/app',
  });
  expect(result.code, result.stderr).toBe(0);
  const url = readGithubEnvFile(readFileSync(githubEnv, 'utf8')).get('DATABASE_URL')!;
  const password = url.slice('postgres://app:'.length, -'@db/app'.length);
  expect(readAddMaskCommands(result.stdout).sort()).toEqual([url, password].sort());
});

test('the ::add-mask:: lines are printed before $GITHUB_ENV is written', async () => {
  // A FIFO cannot be written until someone reads it: vault-exec blocks on it, and by then the masks
  // must already be on its stdout.
  const fifo = join(mkdtempSync(join(tmpdir(), 'vault-exec-gh-')), 'env');
  execFileSync('mkfifo', [fifo]);
  const running = startCli(['env', '--format', 'github', '--secret', 'DB=secret/env/app#password'], {
    env: cliEnv(vault(), app, { GITHUB_ENV: fifo }),
  });
  await running.waitForOutput('::add-mask::db-password-');
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let written = '';
  reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (written += chunk));
  const readerClosed = new Promise((resolve) => reader.on('close', resolve));
  const exit = await running.exited;
  await readerClosed;
  expect(exit.code).toBe(0);
  expect(readGithubEnvFile(written).get('DB')).toMatch(/^db-password-/);
});

test('exits 74 in one line when $GITHUB_ENV cannot be appended to', async () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'vault-exec-gh-')), 'no-such-dir', 'env');
  const exit = await runCli(['env', '--format', 'github', '--secret', 'DB=secret/env/app#password'], {
    env: cliEnv(vault(), app, { GITHUB_ENV: missing }),
  });
  expect(exit.code).toBe(74);
  expect(exit.stderr).toContain(`vault-exec: cannot append to GITHUB_ENV "${missing}": ENOENT`);
  expect(exit.stderr.trim().split('\n').at(-1)).toMatch(/later steps would miss the secrets$/);
});

test('exits 74 in one line when the reader of its output goes away before the end', async () => {
  // More than a pipe holds, so the write is still going on when head has read its one byte and left;
  // each value under the 128 KiB one environment variable may hold, which env refuses to print.
  const big = 'x'.repeat(100_000);
  await vault().admin.writeKv2('env/big', { a: big, b: big, c: big, d: big, e: big, f: big });
  const pipeline = spawnSync(
    'bash',
    [
      '-c',
      '"$@" env --log-level error --secrets secret/env/big | head -c 1; echo " status ${PIPESTATUS[0]}"',
      'bash',
      ...cliCommand,
    ],
    { env: cliEnv(vault(), app, { NODE_DEBUG: '', DEBUG: '' }), encoding: 'utf8' },
  );
  expect(pipeline.stdout).toBe('A status 74\n');
  expect(pipeline.stderr).toBe(
    'vault-exec: could not write all the values to stdout (the reader closed its end early): whatever reads them got only part; read the whole output, or redirect it to a file\n',
  );
});

test('refuses a value the format cannot carry, in one line that names the variable, and prints nothing', async () => {
  const result = await envCli([
    '--secret',
    'BAD=secret/env/app#bad',
    '--secret',
    'DB=secret/env/app#password',
  ]);
  expect(result.code).toBe(64);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
    `vault-exec: cannot write BAD in the dotenv format: its value has a ' (so not '…'), a " (so not "…") and a quote first (so not unquoted): no quoting reads back the same in the dotenv package, Node and Docker Compose; use --format shell or json`,
  );
});

test('--format github without GITHUB_ENV is a usage error, before any login', async () => {
  const result = await envCli(['--format', 'github', '--secret', 'DB=secret/env/app#password']);
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(/--format github needs GITHUB_ENV/);
  expect(result.stderr).not.toMatch(/logged in/);
});

/** Runs vault-exec under a real pty; returns its exit code and the screen, with "\n" line endings. */
async function runInTerminal(argv: string[], env: NodeJS.ProcessEnv) {
  const exit = await startInTerminal(argv, { env }).exited;
  return { code: exit.code, screen: exit.stdout.replaceAll('\r\n', '\n') };
}

describe('a terminal', () => {
  test('is refused in one line with exit 64, and nothing is printed', async () => {
    const terminal = await runInTerminal(
      [...cliCommand, 'env', '--secret', 'DB=secret/env/app#password'],
      cliEnv(vault(), app),
    );
    expect(terminal.code).toBe(64);
    expect(terminal.screen.trimEnd().split('\n').at(-1)).toBe(
      'vault-exec: refusing to print secret values to a terminal, where they would stay in the scrollback: redirect stdout to a file or a pipe, or add --force',
    );
    expect(terminal.screen).not.toMatch(/db-password-/);
  });

  test('is allowed with --force', async () => {
    const terminal = await runInTerminal(
      [...cliCommand, 'env', '--force', '--log-level', 'error', '--secret', 'SHOWN=secret/env/visible#value'],
      // Quiet, so the screen holds only what env printed.
      cliEnv(vault(), app, { NODE_DEBUG: '', DEBUG: '' }),
    );
    expect(terminal.code).toBe(0);
    expect(terminal.screen).toBe(`SHOWN='${shownOnPurpose}'\n`);
  });
});

test('revokes the token it logged in for, after success and after a failure', async () => {
  const tokensOfRole = async () => {
    const list = await vault().admin.request('GET', 'auth/token/accessors?list=true');
    let count = 0;
    for (const accessor of list.body.data.keys as string[])
      if ((await vault().admin.lookupAccessor(accessor)).body?.data?.meta?.role_name === app.role) count++;
    return count;
  };
  expect((await envCli(['--secret', 'DB=secret/env/app#password'])).code).toBe(0);
  expect(await tokensOfRole()).toBe(0);
  expect((await envCli(['--secret', 'DB=secret/env/app#nope'])).code).toBe(78);
  expect(await tokensOfRole()).toBe(0);
});

test('unwraps a response-wrapped secret_id as a start would, then logs in with it', async () => {
  const { wrappingToken } = await vault().admin.createSecretId(app.role, { wrapTtl: '60s' });
  const result = await runCli(
    ['env', '--secret-id-wrapped', '--format', 'json', '--secret', 'DB=secret/env/app#password'],
    {
      env: cliEnv(vault(), { ...app, secretId: rememberSecret(wrappingToken!) }),
    },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout).DB).toMatch(/^db-password-/);
});
