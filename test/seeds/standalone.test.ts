// dist/vault-exec-linux-x64 (npm run build:standalone) must run on a machine or image without Node.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot, run } from './helpers';

const standalone = join(repoRoot, 'dist/vault-exec-linux-x64');
const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

test('the standalone binary runs with an empty environment (no PATH, so no node)', async () => {
  expect(existsSync(standalone), 'run `npm run build:standalone` first').toBe(true);
  const result = await run(standalone, ['--version'], {});
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.trim()).toBe(`vault-exec ${version}`);
  expect(result.stderr).toBe(''); // no SEA warning, no "require() only supports built-in modules"
});

test('the standalone binary is vault-exec: a usage error is exit 64, as with the bundle', async () => {
  const result = await run(standalone, ['--no-such-flag', '--', 'true'], {});
  expect(result.code).toBe(64);
});

test('the standalone binary reads no .env or bunfig.toml from the directory it starts in', async () => {
  // Bun's compiled programs would load both by default: scripts/standalone.mjs turns that off.
  const work = mkdtempSync(join(tmpdir(), 'vault-exec-autoload-'));
  try {
    writeFileSync(join(work, '.env'), 'VAULT_ADDR=http://from-dotenv.invalid:1\n');
    writeFileSync(join(work, 'preload.js'), 'console.error("PRELOADED")\n');
    writeFileSync(join(work, 'bunfig.toml'), `preload = ["${join(work, 'preload.js')}"]\n`);
    const stderr = await new Promise<string>((resolve) =>
      execFile(
        standalone,
        ['check', '--wait-timeout', '0', '--secret', 'A=secret/a#b'],
        { cwd: work, env: { VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's' }, encoding: 'utf8' },
        (_error, _stdout, stderr) => resolve(stderr),
      ),
    );
    expect(stderr).toContain('https://127.0.0.1:8200'); // the default address, not the .env's
    expect(stderr).not.toContain('from-dotenv');
    expect(stderr).not.toContain('PRELOADED');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("NODE_OPTIONS does nothing to the standalone binary; NODE_DEBUG=http brings at most Node's warning", async () => {
  // Bun has no NODE_OPTIONS and writes no NODE_DEBUG output (README, Install): what users see instead.
  const options = await run(standalone, ['--version'], { NODE_OPTIONS: '--require /nonexistent-preload.js' });
  expect(options.code, options.stderr).toBe(0);
  expect(options.stderr).toBe('');
  const debug = await run(standalone, ['--version'], { NODE_DEBUG: 'http' });
  expect(debug.code).toBe(0);
  expect(debug.stdout.trim()).toBe(`vault-exec ${version}`);
  // The warning comes when the http module loads, which --version no longer does (it is loaded at
  // the first request): at most that warning, and never any debug output.
  expect(debug.stderr).toMatch(
    /^(\(node:\d+\) Warning: Setting the NODE_DEBUG environment variable to 'http'[^\n]*\n[^\n]*\n)?$/,
  );
});
