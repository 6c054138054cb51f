// The exit-code and signal matrix: whatever the child ends with, vault-exec ends with the same, so an
// orchestrator sees the app's own result. Every code 0..255 and every signal whose default action
// kills a process are checked against a real dev server and a real child.
//
// The rows run vault-exec in-process (run-in-process.ts): the rule lives in run(), and a Node start
// per row was most of this file's time. What the bundle adds (main.ts turning the code into the
// process's exit status) is shown end to end by signals.test.ts (exit codes 0, 1, 3, 42, 126, 255 and
// four signals) and by the one bundle row at the end of this file. vault-exec runs with the dev
// server's root token (token auth: one lookup-self, no renewal, nothing to revoke) and the child is a
// bare `sh -c`; the rows run concurrently, at most vitest's maxConcurrency (5) at a time.
import { constants } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv } from '../support/app-role';
import { killAllStarted, runCli } from '../support/processes';
import { runInProcess, type InProcessExit } from '../support/run-in-process';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
afterAll(() => killAllStarted());

const started = Date.now();
afterAll(() => {
  console.log(
    `exit matrix: ${EXIT_CODES.length} exit codes and ${DEADLY_SIGNALS.length} signals in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});

const env = (): NodeJS.ProcessEnv => cliEnv(vault(), undefined, { VAULT_TOKEN: vault().rootToken });
/** `ulimit -c 0` so the core-dumping signals (SIGQUIT, SIGSEGV...) leave no core files behind. */
const runChild = (script: string): Promise<InProcessExit> =>
  runInProcess(['--', 'sh', '-c', `ulimit -c 0 2>/dev/null; ${script}`], { env: env() });

const EXIT_CODES = Array.from({ length: 256 }, (_, code) => code);

/**
 * Every signal whose default action terminates the process (Linux numbering from os.constants).
 * Not here: SIGCHLD, SIGURG, SIGWINCH (ignored by default), SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN and
 * SIGTTOU (stop or continue, never kill).
 */
const DEADLY_SIGNALS = (
  [
    'SIGHUP',
    'SIGINT',
    'SIGQUIT',
    'SIGILL',
    'SIGTRAP',
    'SIGABRT',
    'SIGBUS',
    'SIGFPE',
    'SIGKILL',
    'SIGUSR1',
    'SIGSEGV',
    'SIGUSR2',
    'SIGPIPE',
    'SIGALRM',
    'SIGTERM',
    'SIGSTKFLT',
    'SIGXCPU',
    'SIGXFSZ',
    'SIGVTALRM',
    'SIGPROF',
    'SIGIO',
    'SIGPWR',
    'SIGSYS',
  ] as const
)
  .filter((name) => name in constants.signals)
  .map((name) => [name, constants.signals[name as keyof typeof constants.signals]] as const);

beforeAll(() => {
  // The table must really be the full one on this platform, not silently shortened by the filter.
  expect(DEADLY_SIGNALS.length).toBeGreaterThanOrEqual(process.platform === 'linux' ? 23 : 19);
});

describe.concurrent('exit codes', () => {
  test.each(EXIT_CODES)('passes the child exit code %i through unchanged', async (code) => {
    const exit = await runChild(`exit ${code}`);
    expect(exit.code, exit.stderr).toBe(code);
  });
});

describe.concurrent('signals the child dies of', () => {
  test.each(DEADLY_SIGNALS)('exits 128+N when the child dies of %s (%i)', async (name, number) => {
    const exit = await runChild(`kill -${number} $$`);
    expect(exit.code, exit.stderr).toBe(128 + number);
    expect(exit.stderr).not.toContain('internal error');
  });

  // Known limitation (README, Exit codes): Node's child_process reports a child killed by a real-time
  // signal as "exit code 0, no signal", so vault-exec cannot tell it from success. This test documents
  // it; remove `.fails` if Node ever reports those signals.
  test.fails('exits 128+34 when the child dies of the real-time signal 34 (SIGRTMIN)', async () => {
    const exit = await runChild('kill -34 $$ || exec python3 -c "import os; os.kill(os.getpid(), 34)"');
    expect(exit.code).toBe(128 + 34);
  });
});

/** Exit 64 and exactly one line on stderr: the message, with no stack and nothing else. */
function expectOneUsageLine(exit: InProcessExit, pattern: RegExp): void {
  expect(exit.code, exit.stderr).toBe(64);
  expect(exit.stdout).toBe('');
  const lines = exit.stderr.split('\n');
  expect(lines.at(-1), 'stderr ends with a newline').toBe('');
  expect(lines.slice(0, -1), exit.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^vault-exec: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).not.toContain('internal error');
}

describe.concurrent('usage errors (the parsers are fuzzed in test/unit/fuzz)', () => {
  test.each([
    ['DB_PASSWORD=secret/app/db', /invalid secret reference "secret\/app\/db" in --secret DB_PASSWORD/],
    ['DB_PASSWORD=secret/app/db#', /invalid secret reference/],
    ['1DB=secret/app/db#password', /invalid --secret "1DB=secret\/app\/db#password"/],
    ['secret/app/db#password', /invalid --secret/],
    ['DB-PASSWORD=secret/app/db#password', /invalid --secret/],
    ['DB=secret//app#password', /invalid secret path "secret\/\/app"/],
    ['DB=secret/../app#password', /invalid secret path/],
    ['DB=secret/my app#password', /invalid secret path/],
    ['DB=secret/app?version=1#password', /invalid secret path/],
    ['DB=#password', /invalid secret reference/],
  ])('rejects --secret %j with exit 64 and one line', async (value, pattern) => {
    expectOneUsageLine(
      await runInProcess(['--secret', value, '--', 'sh', '-c', 'echo CHILD-RAN'], { env: env() }),
      pattern,
    );
  });

  // Only a whole value that parses as vault:PATH#KEY is a reference (IMAGE=vault:1.13.3 is a tag).
  test.each([['vault:secret/app/db'], ['vault:'], ['vault:#password'], ['vault:secret/../db#password']])(
    'leaves APP_REF=%j to the child as it is, and says so at debug level',
    async (value) => {
      const result = await runInProcess(['--', 'sh', '-c', 'true'], { env: { ...env(), APP_REF: value } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(
        'left APP_REF as inherited: a value is a reference only as vault:PATH#KEY',
      );
    },
  );

  test.each([
    ['postgresql://${vault:secret/app/db#username', /unterminated reference in environment variable APP_REF/],
    [
      'postgresql://${vault:secret/app/db}@db',
      /invalid secret reference "secret\/app\/db" in environment variable APP_REF/,
    ],
    ['postgresql://${vault:secret/a b#username}@db', /invalid secret path "secret\/a b"/],
    ['${vault:}', /invalid secret reference ""/],
  ])('rejects the env reference APP_REF=%j with exit 64 and one line', async (value, pattern) => {
    expectOneUsageLine(
      await runInProcess(['--', 'sh', '-c', 'echo CHILD-RAN'], { env: { ...env(), APP_REF: value } }),
      pattern,
    );
  });

  // Messages quote user input with control characters escaped, so a line break cannot split the line.
  test.each([
    ['--secret', 'DB=secret/app/db\n'],
    ['--wait-timeout', '1\n0s'],
  ])('rejects %s with a line break in its value with exit 64 and one line', async (flag, value) => {
    expectOneUsageLine(await runInProcess([flag, value, '--', 'true'], { env: env() }), /invalid/);
  });
});

// The bundle's side of the rule: main.ts exits with run()'s code, and nothing but the line reaches
// stderr (no stack, no Node warning).
test('the bundle rejects a bad --secret with exit 64 and one line, starting no child', async () => {
  const exit = await runCli(['--secret', 'DB_PASSWORD=secret/app/db', '--', 'sh', '-c', 'echo CHILD-RAN'], {
    env: env(),
  });
  expectOneUsageLine(
    { code: exit.code ?? -1, stdout: exit.stdout, stderr: exit.stderr },
    /invalid secret reference "secret\/app\/db" in --secret DB_PASSWORD/,
  );
});
