// The npm package as a user installs it: `npm pack`, then `npm install -g <tarball>` into an empty
// prefix with an empty cache and --offline, which proves the install fetches nothing (the bundle
// carries every runtime dependency), then the installed `vault-exec` starts a child against Vault.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, leakedSecrets, provisionApp, secretValue } from '../support/app-role';
import { fixture } from '../support/processes';
import { useVaultServer } from '../support/vault-server';
import { repoRoot, run } from './helpers';

const vault = useVaultServer();
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
let work: string;
let tarball: string;
let packed: string[];
let installed: string;

/** npm with its own empty cache and nothing inherited from an `npm test` that runs this file. */
function npm(args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return execFileSync('npm', [...args, '--cache', join(work, 'npm-cache'), '--no-audit', '--no-fund'], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vault-exec-npm-'));
  mkdirSync(join(work, 'pack'));
  // --ignore-scripts: the suite built dist/ already; prepack's rebuild would rewrite the bundle
  // under the other test files that run it.
  const [result] = JSON.parse(
    npm(['pack', '--ignore-scripts', '--json', '--pack-destination', join(work, 'pack')]),
  ) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, 'pack', result.filename);
  packed = result.files.map((file) => file.path).sort();
  const prefix = join(work, 'prefix');
  npm(['install', '--global', '--offline', '--prefix', prefix, tarball]);
  installed = join(prefix, 'bin', 'vault-exec');
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the package is publishable and holds only what the runtime needs', () => {
  expect(manifest.private).toBeUndefined();
  expect(manifest.dependencies ?? {}).toEqual({}); // all bundled: nothing to fetch at install
  expect(manifest.license).toBe('MIT');
  expect(manifest.repository?.url).toMatch(/^git\+https:\/\/github\.com\/[^/]+\/vault-exec\.git$/);
  expect(packed).toEqual([
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'bin/vault-exec',
    'dist/vault-exec.answers',
    'dist/vault-exec.cjs',
    'dist/vault-exec.code-cache',
    'package.json',
  ]);
});

test('installed globally and offline, `vault-exec --version` runs from the prefix', async () => {
  const result = await run(installed, ['--version'], { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.trim()).toBe(`vault-exec ${manifest.version}`);
  expect(result.stderr).toBe('');
});

test('the installed vault-exec logs in and starts a child with its secret', async () => {
  const value = secretValue('npm-install');
  await vault().admin.writeKv2('npm-package/app', { value });
  const app = await provisionApp(vault(), { readPaths: ['secret/data/npm-package/*'] });
  const result = await run(
    installed,
    ['--secret', 'APP_VALUE=secret/npm-package/app#value', '--', process.execPath, fixture('print-env.mjs')],
    cliEnv(vault(), app),
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).APP_VALUE).toBe(value);
  expect(leakedSecrets(result.stderr, [value, app.secretId, app.roleId])).toEqual([]);
});
