// --mask: the child's stdout and stderr go through vault-exec, every secret value replaced with ***.
import { spawn } from 'node:child_process';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { cliCommand, fixture, killAllStarted, runCli, startCli } from '../support/processes';
import { closeAllTerminals, startInTerminal } from '../support/terminal';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
const one = secretValue('mask-one');
const pemLines = [secretValue('pem-line-one'), secretValue('pem-line-two'), secretValue('pem-line-three')];
const pem = `-----BEGIN TEST KEY-----\n${pemLines.join('\n')}\n-----END TEST KEY-----`;
beforeAll(async () => {
  await vault().admin.writeKv2('mask/app', { one, pem });
  app = await provisionApp(vault(), { readPaths: ['secret/data/mask/*'] });
});
afterEach(() => {
  killAllStarted();
  closeAllTerminals();
});

const maskArgs = [
  '--mask',
  '--secret',
  'SECRET_ONE=secret/mask/app#one',
  '--secret',
  'SECRET_PEM=secret/mask/app#pem',
];
const run = (args: string[], extra: Record<string, string> = {}) =>
  runCli([...maskArgs, '--', ...args], { env: cliEnv(vault(), app, extra) });

test('no secret line is left in what the child printed, whole, split, in JSON or multi-line', async () => {
  const result = await run(['node', fixture('print-secrets.mjs')]);
  expect(result.code, result.stderr).toBe(0);
  const output = result.stdout + result.stderr;
  for (const secret of [one, ...pemLines]) expect(output).not.toContain(secret);
  expect(result.stdout).toContain('whole: ***\n');
  expect(result.stdout).toContain('split: *** end\n');
  // The whole value in its JSON spelling is the longest match, so it goes as one.
  expect(result.stdout).toContain(`"password":"***","key":"***"}`);
  expect(result.stdout).toContain('multi-line:\n***\n***\n***\n***\n***\n');
  // The tail without a newline is flushed at exit, masked.
  expect(result.stdout.endsWith('no newline at the end: ***')).toBe(true);
  expect(result.stderr).toContain('on stderr: ***\n');
});

// execa is compiled on first use from text the bundle carries (scripts/build.mjs): that must work
// where Node refuses eval and new Function, a hardening flag NODE_OPTIONS can carry.
test('with Node forbidding code generation from strings, the output is still masked', async () => {
  const result = await run(['sh', '-c', 'echo "[$SECRET_ONE]"'], {
    NODE_OPTIONS: '--disallow-code-generation-from-strings',
  });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe('[***]\n');
});

test('without --mask the child writes to the inherited streams, unmasked (the default)', async () => {
  const result = await runCli(
    ['--secret', 'SECRET_ONE=secret/mask/app#one', '--', 'sh', '-c', 'echo "$SECRET_ONE"'],
    {
      env: cliEnv(vault(), app),
    },
  );
  expect(result.stdout).toBe(`${one}\n`);
});

test('the child exit code passes through unchanged', async () => {
  const result = await run(['node', fixture('print-secrets.mjs')], { EXIT_CODE: '3' });
  expect(result.code).toBe(3);
  expect(result.stdout).not.toContain(one);
});

test('a signal is forwarded to the child as without --mask, and its code comes back', async () => {
  const running = startCli([...maskArgs, '--', 'node', fixture('ready-then-wait.mjs')], {
    env: cliEnv(vault(), app, { EXIT_ON_TERM: '9' }),
  });
  await running.waitForOutput('READY');
  running.kill('SIGUSR1');
  await running.waitForOutput('SIGNAL SIGUSR1');
  running.kill('SIGTERM');
  const exit = await running.exited;
  expect(exit.stdout).toContain('SIGNAL SIGTERM');
  expect(exit.code).toBe(9);
});

test('a child killed by a signal still gives 128+N', async () => {
  const result = await run(['node', fixture('exit-with.mjs'), 'SIGKILL']);
  expect(result.code).toBe(137);
});

test('a grandchild holding the pipes open does not keep vault-exec from exiting with the child', async () => {
  const result = await run(['sh', '-c', `sleep 30 & echo "done with ${one}"`], {});
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('done with ***\n');
});

test('under a terminal, the child keeps the terminal on stdin while stdout and stderr become pipes', async () => {
  const exit = await startInTerminal(
    [
      ...cliCommand,
      ...maskArgs,
      '--log-level',
      'error',
      '--',
      'sh',
      '-c',
      'test -t 0 && echo "stdin: terminal"; test -t 1 || echo "stdout: pipe"; test -t 2 || echo "stderr: pipe"',
    ],
    { env: cliEnv(vault(), app, { NODE_DEBUG: '', DEBUG: '' }) },
  ).exited;
  expect(exit.code).toBe(0);
  expect(exit.stdout.replaceAll('\r\n', '\n')).toBe('stdin: terminal\nstdout: pipe\nstderr: pipe\n');
});

/** `vault-exec [--mask] -- yes | head -n 1` in bash: what head printed, and vault-exec's exit status. */
function pipeYesIntoHead(extraArgs: string[]): Promise<string> {
  return new Promise((resolve) => {
    const script = `"$@" ${[...extraArgs, '--log-level', 'error'].join(' ')} -- yes | head -n 1; echo "status \${PIPESTATUS[0]}"`;
    const pipeline = spawn('bash', ['-c', script, 'bash', ...cliCommand], {
      env: cliEnv(vault(), app, { NODE_DEBUG: '', DEBUG: '' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    pipeline.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    pipeline.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    pipeline.on('close', () => resolve(out));
  });
}

test('when the reader of its output goes away, the child ends exactly as it would without --mask', async () => {
  // head exits after one line; `yes` must learn that its output is gone, and not run on forever.
  const unmasked = await pipeYesIntoHead([]);
  expect(unmasked).toMatch(/^y\nstatus \d+\n$/);
  expect(await pipeYesIntoHead(maskArgs)).toBe(unmasked);
});

test('a secret interpolated into a longer value is masked on its own too', async () => {
  const result = await run(
    ['sh', '-c', 'echo "url: $DATABASE_URL"; echo "password alone: ${DATABASE_URL#*:}"'],
    {
      DATABASE_URL: 'app:${vault:secret/mask/app#one}',
    },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe('url: ***\npassword alone: ***\n');
});

test('a child restarted with rotated secrets has its new values masked too', async () => {
  const first = secretValue('rotating-first');
  const second = secretValue('rotating-second');
  await vault().admin.writeKv2('mask/rotating', { value: first });
  const rotating = await provisionApp(vault(), { readPaths: ['secret/data/mask/*'] });
  const running = startCli(
    [
      '--mask',
      '--watch',
      '500ms',
      '--secret',
      'S=secret/mask/rotating#value',
      '--',
      'sh',
      '-c',
      'echo "value: $S"; exec sleep 60',
    ],
    { env: cliEnv(vault(), rotating) },
  );
  await running.waitForOutput('value: ***\n');
  await vault().admin.writeKv2('mask/rotating', { value: second });
  await running.waitForOutput('value: ***\nvalue: ***\n', { timeoutMs: 20_000 });
  running.kill('SIGTERM');
  const exit = await running.exited;
  expect(exit.stdout).not.toContain(first);
  expect(exit.stdout).not.toContain(second);
});
