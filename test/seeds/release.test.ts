// `npm run release` (scripts/release.mjs) into a scratch directory: every artifact is there with a
// checksum that `sha256sum -c` accepts, each binary is an ELF for its platform that carries the
// program, and the arm64 one runs under qemu-user (Debian's qemu-user-static with the aarch64 glibc of
// libc6-arm64-cross; .ci/run installs both) against the test Vault. The musl binary cannot run here:
// it needs Alpine's libstdc++, which Debian does not package for musl, so its headers are checked.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cliEnv, leakedSecrets, provisionApp, secretValue } from '../support/app-role';
import { useVaultServer } from '../support/vault-server';
import { pythonEnv, repoRoot, run } from './helpers';

const vault = useVaultServer();
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const QEMU = '/usr/bin/qemu-aarch64-static';
const AARCH64_GLIBC = '/usr/aarch64-linux-gnu';
const BINARIES = ['vault-exec-linux-x64', 'vault-exec-linux-arm64', 'vault-exec-linux-x64-musl'];
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'vault-exec-release-'));
  execFileSync(process.execPath, ['scripts/release.mjs', '--no-build', '--out', out], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The parts of an ELF header that say where it runs: the machine and the dynamic loader it asks for. */
function elf(file: string): { machine: number; interpreter: string } {
  const data = readFileSync(file);
  expect(data.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  expect(data[4]).toBe(2); // 64-bit
  const programHeaders = Number(data.readBigUInt64LE(32));
  const entrySize = data.readUInt16LE(54);
  for (let index = 0; index < data.readUInt16LE(56); index++) {
    const header = programHeaders + index * entrySize;
    if (data.readUInt32LE(header) !== 3) continue; // PT_INTERP
    const offset = Number(data.readBigUInt64LE(header + 8));
    const size = Number(data.readBigUInt64LE(header + 32));
    return {
      machine: data.readUInt16LE(18),
      interpreter: data.toString('latin1', offset, offset + size - 1),
    };
  }
  throw new Error(`${file} names no dynamic loader`);
}

test('writes the npm tarball and the three binaries, and SHA256SUMS checks every one', () => {
  const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
  expect(sums.map((line) => line.split(/\s+/)[1])).toEqual([`vault-exec-${version}.tgz`, ...BINARIES]);
  const checked = execFileSync('sha256sum', ['--check', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
  expect(checked.trim().split('\n')).toEqual(sums.map((line) => `${line.split(/\s+/)[1]}: OK`));
});

test('each binary is an ELF for its platform, asks for its libc, and carries the program', () => {
  expect(elf(join(out, 'vault-exec-linux-x64'))).toEqual({
    machine: 62, // EM_X86_64
    interpreter: '/lib64/ld-linux-x86-64.so.2',
  });
  expect(elf(join(out, 'vault-exec-linux-arm64'))).toEqual({
    machine: 183, // EM_AARCH64
    interpreter: '/lib/ld-linux-aarch64.so.1',
  });
  expect(elf(join(out, 'vault-exec-linux-x64-musl'))).toEqual({
    machine: 62,
    interpreter: '/lib/ld-musl-x86_64.so.1',
  });
  for (const name of BINARIES)
    expect(readFileSync(join(out, name)).includes('refusing to print secret values to a terminal')).toBe(
      true,
    );
});

/** The shared libraries a binary names (readelf, binutils): what an image must hold for it to start. */
const needed = (name: string): string[] =>
  [
    ...execFileSync('readelf', ['-d', join(out, name)], { encoding: 'utf8' }).matchAll(
      /\(NEEDED\).*\[(.+)\]/g,
    ),
  ]
    .map((match) => match[1]!)
    .sort();

test('the glibc binaries need glibc alone; the musl one also needs libstdc++ (apk add libstdc++)', () => {
  const glibc = ['libc.so.6', 'libdl.so.2', 'libm.so.6', 'libpthread.so.0'];
  expect(needed('vault-exec-linux-x64')).toEqual([...glibc, 'ld-linux-x86-64.so.2'].sort());
  expect(needed('vault-exec-linux-arm64')).toEqual([...glibc, 'ld-linux-aarch64.so.1'].sort());
  expect(needed('vault-exec-linux-x64-musl')).toEqual(['libc.musl-x86_64.so.1', 'libstdc++.so.6']);
});

test('the x64 binary runs with an empty environment', async () => {
  const result = await run(join(out, 'vault-exec-linux-x64'), ['--version'], {});
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.trim()).toBe(`vault-exec ${version}`);
});

const canEmulate = existsSync(QEMU) && existsSync(join(AARCH64_GLIBC, 'lib/ld-linux-aarch64.so.1'));
if (!canEmulate && process.env.CI)
  throw new Error('CI must run the arm64 binary: .ci/run installs qemu-user-static');

test.skipIf(!canEmulate)(
  'the arm64 binary, under qemu-user, starts a child with its secret',
  async () => {
    const arm64 = ['-L', AARCH64_GLIBC, join(out, 'vault-exec-linux-arm64')];
    const shown = await run(QEMU, [...arm64, '--version'], {}, 60_000);
    expect(shown.stdout.trim(), shown.stderr).toBe(`vault-exec ${version}`);

    const value = secretValue('arm64');
    await vault().admin.writeKv2('arm64/app', { value });
    const app = await provisionApp(vault(), { readPaths: ['secret/data/arm64/*'] });
    // The child is this machine's own sh: the kernel runs it natively, qemu only runs vault-exec.
    const child = ['--', 'sh', '-c', 'printf %s "$APP_VALUE" | sha256sum'];
    const started = await run(
      QEMU,
      [...arm64, '--secret', 'APP_VALUE=secret/arm64/app#value', ...child],
      cliEnv(vault(), app),
      60_000,
    );
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout.split(' ')[0]).toBe(createHash('sha256').update(value).digest('hex'));
    expect(leakedSecrets(started.stderr, [value, app.secretId, app.roleId])).toEqual([]);
  },
  120_000,
);

test('the tag-triggered workflow is a valid GitHub workflow that releases what this file tested', async () => {
  // It cannot run here (no GitHub runner): its schema (vendored in check-jsonschema) and its steps are checked.
  const workflow = join(repoRoot, '.github/workflows/release.yml');
  const checked = await run(
    join(pythonEnv(), 'bin/check-jsonschema'),
    ['--builtin-schema', 'vendor.github-workflows', workflow],
    {},
  );
  expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  const text = readFileSync(workflow, 'utf8');
  expect(text).toContain("tags: ['v*.*.*']");
  expect(text).toContain('run: npm run release');
  expect(text).toContain('release/*'); // every artifact and SHA256SUMS attached
  expect(text).toMatch(/npm publish release\/vault-exec-\*\.tgz --provenance/);
  expect(text).toContain('id-token: write');
});
