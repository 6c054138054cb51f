// dist/vault-exec-linux-x64 (npm run build:standalone) must run on a machine or image without Node.
import { existsSync, readFileSync } from 'node:fs';
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
