import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/util/errors';
import { findProjectFile, findRepositoryRoot } from '../../../src/resolve/find-project-file';
import { createNodeIo } from '../../../src/resolve/io';
import { openProjectFile } from '../../../src/resolve/open-project-file';

const io = createNodeIo();

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

/** root/home/projects/app/src, with files written where the test says. */
function tree(files: string[]): { home: string; app: string; src: string } {
  const root = mkdtempSync(join(tmpdir(), 'vault-exec-find-'));
  roots.push(root);
  const home = join(root, 'home');
  const app = join(home, 'projects/app');
  const src = join(app, 'src');
  mkdirSync(src, { recursive: true });
  for (const file of files) {
    const path = join(root, file);
    mkdirSync(join(path, '..'), { recursive: true });
    if (file.endsWith('/.git')) mkdirSync(path);
    else writeFileSync(path, '');
  }
  return { home, app, src };
}

test('the nearest file wins, searching upwards from the current directory', () => {
  const { home, app, src } = tree(['home/projects/app/vault-exec.yaml', 'home/projects/vault-exec.yaml']);
  expect(findProjectFile(src, home, io)).toBe(join(app, 'vault-exec.yaml'));
});

test('.yml is found too', () => {
  const { home, app, src } = tree(['home/projects/app/vault-exec.yml']);
  expect(findProjectFile(src, home, io)).toBe(join(app, 'vault-exec.yml'));
});

test('the repository root (a .git directory or file) is searched, and nothing above it', () => {
  const { home, src } = tree(['home/projects/app/.git', 'home/projects/vault-exec.yaml']);
  expect(findProjectFile(src, home, io)).toBeUndefined();
  const again = tree(['home/projects/app/src/.git', 'home/projects/app/vault-exec.yaml']);
  expect(findProjectFile(again.src, again.home, io)).toBeUndefined();
});

test('HOME is searched, and nothing above it', () => {
  const { home, src } = tree(['home/vault-exec.yaml']);
  expect(findProjectFile(src, home, io)).toBe(join(home, 'vault-exec.yaml'));
  const above = tree(['vault-exec.yaml']);
  expect(findProjectFile(above.src, above.home, io)).toBeUndefined();
});

test('both names in one directory is a usage error', () => {
  const { home, src } = tree(['home/projects/app/vault-exec.yaml', 'home/projects/app/vault-exec.yml']);
  expect(() => findProjectFile(src, home, io)).toThrow(UsageError);
  expect(() => findProjectFile(src, home, io)).toThrow(
    /both vault-exec.yaml and vault-exec.yml are in .*: keep one/,
  );
});

test('a file named by --config that does not exist is one usage line', () => {
  const { home, src } = tree([]);
  expect(() => openProjectFile({ given: 'missing.yaml', discover: true }, home, createNodeIo(src))).toThrow(
    /^cannot read the project file missing.yaml: no such file$/,
  );
});

test('discovery is off for the container form, even with a file in the directory', () => {
  const { home, app } = tree(['home/projects/app/vault-exec.yaml']);
  expect(openProjectFile({ discover: false }, home, createNodeIo(app))).toBeUndefined();
  expect(openProjectFile({ discover: true }, home, createNodeIo(app))).toMatchObject({
    path: join(app, 'vault-exec.yaml'),
    discovered: true,
  });
});

describe("a found file's repository, which bounds what it may reach", () => {
  test('is the nearest directory holding .git, at or above the file', () => {
    const { home, app } = tree(['home/projects/app/.git', 'home/projects/app/services/web/vault-exec.yaml']);
    expect(findRepositoryRoot(join(app, 'services/web/vault-exec.yaml'), home, io)).toBe(app);
    expect(findRepositoryRoot(join(app, 'vault-exec.yaml'), home, io)).toBe(app);
  });

  test("is the file's own directory without a .git, and never your home from below it", () => {
    const { home, app } = tree(['home/.git', 'home/projects/app/vault-exec.yaml']);
    expect(findRepositoryRoot(join(app, 'vault-exec.yaml'), home, io)).toBe(app);
    expect(findRepositoryRoot(join(home, 'vault-exec.yaml'), home, io)).toBe(home);
  });
});
