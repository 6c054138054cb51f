// scripts/ensure-vault-server's choice of server: VAULT_EXEC_SERVER_BIN, then a supported `vault` or
// `bao` on PATH, then the pinned build (always the pinned build with --pinned, as the suite asks).
// The installed servers here are small scripts that print a `version` line: these tests check the
// script's choice, not Vault. A fake `go` on PATH fails loudly, so no test can start a real build.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { waitFor } from '../support/processes';
import { vaultBinaryPath } from '../support/vault-binary';

const script = fileURLToPath(new URL('../../scripts/ensure-vault-server', import.meta.url));
const PINNED_VERSION = '1.21.4';
const running = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** A directory for PATH holding fake programs that print `versionLine` for `<name> version`. */
function fakeBin(programs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-fake-bin-'));
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  write('go', 'echo "fake go: this test must not build Vault" >&2; exit 99');
  for (const [name, versionLine] of Object.entries(programs))
    write(name, `[ "$1" = version ] && echo '${versionLine}' && exit 0; exit 2`);
  return dir;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  path: string | undefined;
}

function start(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(script, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const done = new Promise<Result>((resolve) =>
    child.on('close', (code) =>
      resolve({
        code,
        ...output,
        path: output.stdout.trim().split('\n').at(-1),
      }),
    ),
  );
  return { output, done };
}

const run = (args: string[], env: Record<string, string | undefined>) => start(args, env).done;
const baseEnv = (pathDir: string, cacheDir: string) => ({
  PATH: `${pathDir}:/usr/bin:/bin`,
  HOME: cacheDir,
  VAULT_EXEC_CACHE_DIR: cacheDir,
});
const emptyCache = () => mkdtempSync(join(tmpdir(), 'vault-exec-empty-cache-'));

test('a supported vault on PATH is used at once with an empty cache, and nothing is built', async () => {
  const bin = fakeBin({ vault: "Vault v1.21.4 ('0123abcd'), built 2026-01-01T00:00:00Z" });
  const cache = emptyCache();
  const result = await run([], baseEnv(bin, cache));
  expect(result.code, result.stderr).toBe(0);
  expect(result.path).toBe(join(bin, 'vault'));
  expect(result.stderr).toContain(`using the installed vault: ${join(bin, 'vault')} (Vault v1.21.4`);
  expect(result.stderr).not.toMatch(/building|fake go/);
  expect(readdirSync(cache)).toEqual([]);
});

test.each([
  ['Vault v1.9.0 (abc)', 'an old Vault'],
  ['Vault v2.0.0 (abc)', 'a Vault major version not known yet'],
  ['vault-cli 3.1 (a different program)', 'an unrelated program'],
])('skips %j (%s) and takes a supported bao', async (versionLine) => {
  const bin = fakeBin({ vault: versionLine, bao: 'OpenBao v2.2.1 (v2.2.1), built 2025-05-01' });
  const result = await run([], baseEnv(bin, emptyCache()));
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain(
    `skipping ${join(bin, 'vault')}: ${versionLine} is not a supported version`,
  );
  expect(result.stderr).toContain('using the installed bao');
  expect(result.path).toBe(join(bin, 'bao'));
});

test('VAULT_EXEC_SERVER_BIN wins over a supported vault on PATH, even with --pinned', async () => {
  const bin = fakeBin({ vault: "Vault v1.21.4 ('x')" });
  const chosen = fakeBin({ 'my-vault': "Vault v1.20.0 ('y')" });
  for (const args of [[], ['--pinned']]) {
    const result = await run(args, {
      ...baseEnv(bin, emptyCache()),
      VAULT_EXEC_SERVER_BIN: join(chosen, 'my-vault'),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.path).toBe(join(chosen, 'my-vault'));
    expect(result.stderr).toContain('using VAULT_EXEC_SERVER_BIN');
  }
});

test('a VAULT_EXEC_SERVER_BIN that is not executable fails with one line', async () => {
  const result = await run([], {
    ...baseEnv(fakeBin({}), emptyCache()),
    VAULT_EXEC_SERVER_BIN: '/nonexistent/vault',
  });
  expect(result.code).toBe(1);
  expect(result.stderr.trim()).toBe(
    'ensure-vault-server: VAULT_EXEC_SERVER_BIN=/nonexistent/vault is not an executable file; unset it to let this script choose',
  );
});

test('--pinned ignores the installed vault and returns the cached pinned build', async () => {
  const pinned = vaultBinaryPath(); // built (or found) once by the suite's global setup
  const bin = fakeBin({ vault: "Vault v1.21.4 ('x')" });
  const cacheRoot = join(pinned, '..', '..');
  const result = await run(['--pinned'], { ...baseEnv(bin, cacheRoot), VAULT_EXEC_CACHE_DIR: cacheRoot });
  expect(result.code, result.stderr).toBe(0);
  expect(result.path).toBe(pinned);
  expect(result.stderr).toContain(`using the pinned Vault v${PINNED_VERSION}`);
  expect(result.stderr).not.toMatch(/building|fake go/);
});

test('a second caller waits for the build in progress and then uses its result instead of building again', async () => {
  const cache = emptyCache();
  const bin = fakeBin({});
  const lock = join(cache, `vault-${PINNED_VERSION}.lock`);
  const release = join(cache, 'release');
  // Stands in for a first caller in the middle of its build: it holds the lock until told to stop.
  const holder = spawn(
    'flock',
    [lock, 'sh', '-c', `echo LOCKED; while [ ! -e '${release}' ]; do sleep 0.05; done`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  running.add(holder);
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));

  const second = start(['--pinned'], baseEnv(bin, cache));
  await waitFor(() => second.output.stderr.includes('is building Vault'), { message: second.output.stderr });
  // The first caller's build lands, then it releases the lock.
  const target = join(cache, `vault-${PINNED_VERSION}`, 'vault');
  mkdirSync(join(cache, `vault-${PINNED_VERSION}`));
  writeFileSync(target, `#!/bin/sh\necho "Vault v${PINNED_VERSION}"\n`);
  chmodSync(target, 0o755);
  writeFileSync(release, '');

  const result = await second.done;
  expect(result.code, result.stderr).toBe(0);
  expect(result.path).toBe(target);
  expect(result.stderr).not.toMatch(/: building Vault v|fake go/);
  expect(existsSync(target)).toBe(true);
});
