// scripts/release-action.mjs, run in a scratch clone: the release tag's commit holds the bundle, no
// branch does, and the tagged action runs from a plain checkout of the tag.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { runNode } from '../support/processes';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('tags a commit that holds dist/, on no branch, and leaves the branch untouched', async () => {
  const clone = mkdtempSync(join(tmpdir(), 'vault-exec-release-'));
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=Release Test', '-c', 'user.email=release@example.invalid', ...args],
      {
        cwd: clone,
        encoding: 'utf8',
      },
    ).trim();
  git('init', '--quiet');
  // The work tree as it is now (committed or not), minus what is ignored.
  for (const entry of [
    'src',
    'scripts',
    'bin',
    'action',
    'action.yml',
    'package.json',
    'package-lock.json',
    '.gitignore',
  ])
    cpSync(join(root, entry), join(clone, entry), { recursive: true });
  // A symlink, which .gitignore's "node_modules/" (directories only) would not keep out of the commit.
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
  appendFileSync(join(clone, '.git', 'info', 'exclude'), 'node_modules\n');
  git('add', '--all');
  git('commit', '--quiet', '-m', 'snapshot');
  const branchHead = git('rev-parse', 'HEAD');

  execFileSync('node', ['scripts/release-action.mjs', '9.8.7'], { cwd: clone, stdio: 'pipe' });

  const tagged = git('rev-parse', 'v9.8.7^{commit}');
  expect(git('rev-parse', 'v9^{commit}')).toBe(tagged);
  expect(git('rev-parse', `${tagged}^`)).toBe(branchHead);
  expect(git('ls-tree', '-r', '--name-only', tagged, 'dist').split('\n')).toEqual([
    'dist/action.cjs',
    'dist/vault-exec.cjs',
  ]);
  expect(git('branch', '--contains', tagged)).toBe('');
  expect(git('rev-parse', 'HEAD')).toBe(branchHead);
  expect(git('status', '--porcelain')).toBe('');

  // What the runner downloads for `uses: <owner>/vault-exec@v9`: the tag's tree, nothing else.
  const checkout = mkdtempSync(join(tmpdir(), 'vault-exec-tag-'));
  execFileSync('sh', ['-c', `git -C "${clone}" archive v9 | tar -x -C "${checkout}"`]);
  expect(existsSync(join(checkout, 'node_modules'))).toBe(false);
  const step = await runNode([join(checkout, 'action', 'index.cjs')], {
    env: { PATH: process.env.PATH, INPUT_URL: 'http://127.0.0.1:9', INPUT_SECRETS: '' },
  });
  // It got as far as reading its inputs: the bundle loaded with no node_modules around it.
  expect(step.stdout).toMatch(/^::error title=vault-exec::the secrets input is empty/);
});
