// The launcher (bin/vault-exec, copied to dist/vault-exec for images): sh moves NODE_EXTRA_CA_CERTS
// out of Node's start and execs node on the same file, which puts it back and runs the bundle with
// its code cache; a lone --version or --help it answers from dist/vault-exec.answers, the bundle's
// own output recorded by the build. What must hold: Vault's certificate is still trusted through NODE_EXTRA_CA_CERTS,
// the child gets the variable unchanged, and exit codes, signals and PID 1 behave as with the bundle.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { bundlePath } from '../support/processes';
import { startTlsVaultServer, type TlsVaultServer } from '../support/tls';

const dist = join(bundlePath, '..');
const launchers = {
  'dist/vault-exec': join(dist, 'vault-exec'),
  'bin/vault-exec': join(dist, '..', 'bin', 'vault-exec'),
};
const distLauncher = launchers['dist/vault-exec'];

let vault: TlsVaultServer | undefined;
beforeAll(async () => {
  vault = await startTlsVaultServer();
});
afterAll(async () => {
  await vault?.stop();
});

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0))
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
});

/** The environment of a real start: the TLS Vault, the root token, nothing of this process's VAULT_/NODE_. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('VAULT_') && !name.startsWith('NODE_')) env[name] = value;
  return { ...env, VAULT_ADDR: vault!.addr, VAULT_TOKEN: vault!.rootToken, ...extra };
}

interface Started {
  pid: number;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child.pid!);
  const text = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text.stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { pid: child.pid!, output: () => text, exited };
}

async function waitForLine(running: Started, line: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!running.output().stdout.includes(line)) {
    if (Date.now() > deadline) throw new Error(`no ${line} line; stderr:\n${running.output().stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// The child reports what it got, and what vault-exec's own process was started with (its parent's
// /proc environ is the environment it was exec'd with, before any JavaScript ran).
const REPORT = [
  'sh',
  '-c',
  'echo "child NODE_EXTRA_CA_CERTS=[$NODE_EXTRA_CA_CERTS] moved=[${VAULT_EXEC_LAUNCHER_CA-unset}]"; ' +
    'tr "\\0" "\\n" < /proc/$PPID/environ | grep -c "^NODE_EXTRA_CA_CERTS=" | sed "s/^/node started with it: /"',
];

test.each(Object.keys(launchers))(
  "%s trusts Vault's CA through NODE_EXTRA_CA_CERTS, read by vault-exec, not by Node's start; the child gets it unchanged",
  async (name) => {
    const launcher = launchers[name as keyof typeof launchers];
    const ca = vault!.files.devCa;
    const running = start(
      launcher,
      ['--wait-timeout', '1s', '--', ...REPORT],
      envWith({ NODE_EXTRA_CA_CERTS: ca }),
    );
    const exit = await running.exited;
    const { stdout, stderr } = running.output();
    expect(exit.code, stderr).toBe(0);
    expect(stdout).toContain(`child NODE_EXTRA_CA_CERTS=[${ca}] moved=[unset]`);
    expect(stdout).toContain('node started with it: 0');
  },
);

test('the bundle run by node directly still trusts NODE_EXTRA_CA_CERTS (Node reads it then, as before)', async () => {
  const running = start(
    process.execPath,
    [bundlePath, '--wait-timeout', '1s', '--', ...REPORT],
    envWith({ NODE_EXTRA_CA_CERTS: vault!.files.devCa }),
  );
  const exit = await running.exited;
  expect(exit.code, running.output().stderr).toBe(0);
  expect(running.output().stdout).toContain('node started with it: 1');
});

test('without NODE_EXTRA_CA_CERTS the launcher refuses the untrusted certificate, exit 69', async () => {
  const running = start(distLauncher, ['--wait-timeout', '1s', '--', 'true'], envWith({}));
  const exit = await running.exited;
  expect(exit.code).toBe(69);
  expect(running.output().stderr).toContain('not signed by a trusted CA');
});

test('an unreadable NODE_EXTRA_CA_CERTS is ignored with one warning, as Node does, and Node’s CAs still apply', async () => {
  const running = start(
    distLauncher,
    ['--wait-timeout', '1s', '--', 'true'],
    envWith({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem', VAULT_CACERT: vault!.files.devCa }),
  );
  const exit = await running.exited;
  // VAULT_CACERT replaces the default CAs, among which NODE_EXTRA_CA_CERTS counts: the file is not needed.
  expect(exit.code, running.output().stderr).toBe(0);
  const without = start(
    distLauncher,
    ['--wait-timeout', '1s', '--', 'true'],
    envWith({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' }),
  );
  expect((await without.exited).code).toBe(69);
  expect(
    without.output().stderr.match(/Warning: Ignoring extra certs from `\/nonexistent\/ca.pem`/g),
  ).toHaveLength(1);
});

test('the launcher passes the child’s exit code', async () => {
  const running = start(
    distLauncher,
    ['--', 'sh', '-c', 'exit 3'],
    envWith({ VAULT_CACERT: vault!.files.devCa }),
  );
  expect((await running.exited).code, running.output().stderr).toBe(3);
});

test('the launcher is node itself (exec, no shell around it): a SIGTERM to its pid reaches the child, whose code is passed on', async () => {
  const running = start(
    distLauncher,
    ['--', 'sh', '-c', 'trap "exit 7" TERM; echo READY; sleep 30 >/dev/null 2>&1 & wait'],
    envWith({ VAULT_CACERT: vault!.files.devCa }),
  );
  await waitForLine(running, 'READY');
  expect(readlinkSync(`/proc/${running.pid}/exe`)).toBe(readlinkSync(`/proc/${process.pid}/exe`));
  expect(readFileSync(`/proc/${running.pid}/cmdline`, 'utf8').split('\0')[1]).toBe(distLauncher);
  process.kill(running.pid, 'SIGTERM');
  expect((await running.exited).code).toBe(7);
});

test('as PID 1 through the launcher it warns once about reaping, forwards SIGTERM and exits with the child’s code', async () => {
  const running = start(
    'unshare',
    [
      '--user',
      '--map-root-user',
      '--pid',
      '--fork',
      '--kill-child',
      distLauncher,
      '--',
      'sh',
      '-c',
      'trap "exit 7" TERM; echo READY; sleep 30 >/dev/null 2>&1 & wait',
    ],
    envWith({ VAULT_CACERT: vault!.files.devCa }),
  );
  await waitForLine(running, 'READY');
  const pidOne = Number(
    readFileSync(`/proc/${running.pid}/task/${running.pid}/children`, 'utf8').trim().split(/\s+/)[0],
  );
  expect(readlinkSync(`/proc/${pidOne}/exe`)).toBe(readlinkSync(`/proc/${process.pid}/exe`));
  process.kill(pidOne, 'SIGTERM');
  expect((await running.exited).code).toBe(7);
  expect(
    running.output().stderr.match(/running as PID 1: orphaned grandchildren will not be reaped/g),
  ).toHaveLength(1);
});

/** What a command printed and exited with, stdout a pipe. */
async function outcome(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const running = start(command, args, envWith({}));
  const { code } = await running.exited;
  return { code, ...running.output() };
}

const ANSWERED = ['--version', '-V', '--help', '-h'];

test.each(Object.keys(launchers))(
  '%s answers a lone --version, -V, --help and -h byte for byte as the bundle does, with its exit code',
  async (name) => {
    const launcher = launchers[name as keyof typeof launchers];
    for (const word of ANSWERED) {
      const fromBundle = await outcome(process.execPath, [bundlePath, word]);
      expect(fromBundle.stdout).toMatch(/^vault-exec |^Usage: vault-exec/);
      expect(await outcome(launcher, [word]), word).toEqual(fromBundle);
    }
  },
);

/** A copy of dist/ whose recorded answers say RECORDED, so a test can tell who answered. */
function distWithMarkedAnswers(change?: (record: { bundleBytes: number }) => void): string {
  const copy = mkdtempSync(join(tmpdir(), 'vault-exec-launcher-'));
  for (const file of ['vault-exec', 'vault-exec.cjs', 'vault-exec.code-cache'])
    copyFileSync(join(dist, file), join(copy, file));
  const record = JSON.parse(readFileSync(join(dist, 'vault-exec.answers'), 'utf8'));
  for (const word of ANSWERED) record.answers[word].stdout = `RECORDED ${word}\n`;
  change?.(record);
  writeFileSync(join(copy, 'vault-exec.answers'), JSON.stringify(record));
  return copy;
}

test('only a lone answered word is answered from the record; every other line goes to the bundle', async () => {
  const copy = distWithMarkedAnswers();
  try {
    const launcher = join(copy, 'vault-exec');
    expect((await outcome(launcher, ['--help'])).stdout).toBe('RECORDED --help\n');
    for (const args of [
      ['--help', 'extra'],
      ['run', '--help'],
      ['check', '-h'],
      ['--version', '--help'],
      ['--help', '--'],
      ['--', '--help'],
      ['--helpx'],
      ['-hV'],
    ]) {
      const launched = await outcome(launcher, args);
      expect(launched.stdout, args.join(' ')).not.toContain('RECORDED');
      expect(launched, args.join(' ')).toEqual(await outcome(process.execPath, [bundlePath, ...args]));
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('a record of another bundle, or none, leaves --help to the bundle', async () => {
  const fromBundle = await outcome(process.execPath, [bundlePath, '--help']);
  const stale = distWithMarkedAnswers((record) => (record.bundleBytes += 1));
  const missing = distWithMarkedAnswers();
  rmSync(join(missing, 'vault-exec.answers'));
  try {
    for (const copy of [stale, missing])
      expect(await outcome(join(copy, 'vault-exec'), ['--help'])).toEqual(fromBundle);
  } finally {
    rmSync(stale, { recursive: true, force: true });
    rmSync(missing, { recursive: true, force: true });
  }
});

test('with stdout a terminal (commander wraps --help to its width) the bundle answers', async () => {
  const copy = distWithMarkedAnswers();
  try {
    // script(1) gives the command a terminal of its own, 40 columns wide.
    const launched = await outcome('script', [
      '-qec',
      `stty cols 40; ${join(copy, 'vault-exec')} --help`,
      '/dev/null',
    ]);
    expect(launched.code, launched.stderr).toBe(0);
    expect(launched.stdout).not.toContain('RECORDED');
    expect(launched.stdout).toContain('Usage: vault-exec');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('a reader that goes away early is no error for a recorded answer, as for the bundle', async () => {
  for (const command of [distLauncher, `${process.execPath} ${bundlePath}`]) {
    const launched = await outcome('sh', ['-c', `{ ${command} --help; echo "exit $?" >&2; } | true`]);
    expect(launched.stderr, command).toBe('exit 0\n');
  }
});
