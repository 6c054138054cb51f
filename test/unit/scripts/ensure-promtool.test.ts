// scripts/ensure-promtool's choices, without building: a cached build that reports the pinned module
// version is returned at once; anything else goes to `go`, and a failing `go` is one clear line. A
// fake `go` on PATH fails loudly, so no test can start a real build.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/ensure-promtool', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'vault-exec-ensure-promtool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const scratchDir = (name: string) => mkdtempSync(join(scratch, name));

function writeProgram(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

function ensure(cacheDir: string) {
  const bin = scratchDir('bin-');
  writeProgram(join(bin, 'go'), 'echo "fake go: this test must not build promtool" >&2; exit 99');
  const result = spawnSync('bash', [script], {
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: '/nonexistent', VAULT_EXEC_CACHE_DIR: cacheDir },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a cached build of the pinned version is returned without calling go', () => {
  const cache = scratchDir('cache-');
  mkdirSync(join(cache, 'promtool-0.316.0'));
  const cached = join(cache, 'promtool-0.316.0', 'promtool');
  writeProgram(cached, 'echo "promtool, version 3.16.0 (branch: module, revision: module-v0.316.0)"');
  const result = ensure(cache);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout.trim().split('\n').at(-1)).toBe(cached);
});

test('another version in the cache is rebuilt; a failing go is one line naming the module', () => {
  const cache = scratchDir('cache-');
  mkdirSync(join(cache, 'promtool-0.316.0'));
  writeProgram(join(cache, 'promtool-0.316.0', 'promtool'), 'echo "promtool, version 2.0.0"');
  const result = ensure(cache);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('building promtool from github.com/prometheus/prometheus v0.316.0');
  expect(result.stderr).toMatch(
    /ensure-promtool: downloading github\.com\/prometheus\/prometheus@v0\.316\.0 from the Go module proxy failed: fake go/,
  );
});
