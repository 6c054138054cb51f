// The secret files' directory against what someone else may have left in it: a manifest that is a
// link or not ours, an existing --files-dir others can enter or that is another account's, and the
// directory decision `check` shares with a start, which writes nothing.
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MANIFEST, SecretFiles, planFilesDir } from '../../../src/child/secret-files';
import { failure, modeOf, useSecretFilesScratch } from './secret-files-fixture';

const { lines, log, shmDir } = useSecretFilesScratch('vault-exec-unit-hardening-');
const isRoot = process.geteuid?.() === 0;

describe('the manifest is never followed through a link, nor trusted when it is not ours', () => {
  test('a link named .vault-exec-files to a file elsewhere: the file stays as it was', () => {
    const dir = shmDir();
    const victim = join(shmDir(), 'victim');
    // Like /etc/passwd: each line holds a "/", so it names no stale file and the link stays.
    writeFileSync(victim, 'root:x:0:0:root:/root:/bin/sh\n');
    symlinkSync(victim, join(dir, MANIFEST));
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log });
    files.write(new Map([['pw.txt', 'secret']]));
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(lstatSync(join(dir, MANIFEST)).isFile()).toBe(true);
    expect(modeOf(join(dir, MANIFEST))).toBe(0o600);
    files.removeAll();
  });

  test('a dangling link named .vault-exec-files creates no file where it points', () => {
    const dir = shmDir();
    const target = join(shmDir(), 'created-outside');
    symlinkSync(target, join(dir, MANIFEST));
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log });
    files.write(new Map([['pw.txt', 'secret']]));
    expect(existsSync(target)).toBe(false);
    files.removeAll();
  });

  test('a manifest that is not a 0600 file of ours is ignored, with a warning, and removes nothing', () => {
    const dir = shmDir();
    writeFileSync(join(dir, 'tls.key'), 'kept', { mode: 0o400 });
    writeFileSync(join(dir, MANIFEST), 'tls.key\n', { mode: 0o644 });
    chmodSync(join(dir, MANIFEST), 0o644);
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log });
    expect(readdirSync(dir)).toEqual(['tls.key']);
    expect(lines.join('')).toContain('is not a manifest vault-exec wrote');
    files.removeAll();
  });

  test('a manifest of ours removes only regular files of ours with a mode vault-exec writes', () => {
    const dir = shmDir();
    writeFileSync(join(dir, 'stale.key'), 'old', { mode: 0o400 });
    writeFileSync(join(dir, 'app.yaml'), 'config');
    chmodSync(join(dir, 'app.yaml'), 0o644);
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(dir, 'app.yaml'), join(dir, 'link'));
    writeFileSync(join(dir, MANIFEST), 'stale.key\napp.yaml\nsub\nlink\n', { mode: 0o600 });
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log });
    expect(readdirSync(dir).sort()).toEqual(['app.yaml', 'link', 'sub']);
    expect(lines.join('')).toContain('removed 1 stale file an earlier run left in');
    files.removeAll();
  });
});

describe('an existing --files-dir is taken as it is, or refused', () => {
  test('one others can enter is refused in one line (73), and its mode is left alone', () => {
    const dir = shmDir();
    chmodSync(dir, 0o755);
    const error = failure(() => SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log }));
    expect(error.exitCode).toBe(73);
    expect(error.message).toBe(
      `--files-dir ${dir} is 0755, open to other users: secret files go only into a directory no one else can enter, and vault-exec does not change an existing directory's mode; chmod 0700 it, or name a new directory for vault-exec to make`,
    );
    expect(modeOf(dir)).toBe(0o755);
  });

  test('a group-readable --file-mode accepts a 0750 directory, still not a world-readable one', () => {
    const dir = shmDir();
    chmodSync(dir, 0o750);
    SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o440, log }).removeAll();
    chmodSync(dir, 0o751);
    expect(failure(() => planFilesDir({ explicitDir: dir, env: {}, mode: 0o440 })).message).toContain(
      'chmod 0750 it',
    );
  });

  test.skipIf(!isRoot)(
    "another account's is refused (73), and so is ours when --user reads the files",
    () => {
      const dir = shmDir();
      chownSync(dir, 4321, 4321);
      const error = failure(() => SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log }));
      expect(error.exitCode).toBe(73);
      expect(error.message).toMatch(/^--files-dir .* belongs to uid 4321, not to vault-exec's \(uid 0\)/);
      expect(statSync(dir).uid).toBe(4321);
      // The --user account's own directory is the one for its files.
      const owner = { uid: 4321, gid: 4321 };
      SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, owner, log }).removeAll();
      chownSync(dir, 0, 0);
      expect(failure(() => planFilesDir({ explicitDir: dir, env: {}, mode: 0o400, owner })).message).toMatch(
        /belongs to uid 0, not to the --user account \(uid 4321\)/,
      );
    },
  );
});

describe('planFilesDir: what check and a start decide alike, writing nothing', () => {
  test('a missing --files-dir is to be made, and is not made', () => {
    const dir = join(shmDir(), 'new');
    expect(planFilesDir({ explicitDir: dir, env: {}, mode: 0o400 })).toEqual({ kind: 'make', dir });
    expect(existsSync(dir)).toBe(false);
  });

  test('one under a file cannot be made: the line a start gives, exit 73', () => {
    const file = join(shmDir(), 'a-file');
    writeFileSync(file, '');
    const error = failure(() => planFilesDir({ explicitDir: join(file, 'secrets'), env: {}, mode: 0o400 }));
    expect(error.exitCode).toBe(73);
    expect(error.message).toBe(
      `cannot prepare the directory for secret files ${file}/secrets: a file stands where a directory should be; name a writable directory with --files-dir`,
    );
  });

  test('the default: a fresh directory in XDG_RUNTIME_DIR, not made yet', () => {
    const runtime = shmDir();
    expect(planFilesDir({ env: { XDG_RUNTIME_DIR: runtime }, mode: 0o400 })).toEqual({
      kind: 'fresh',
      base: runtime,
    });
    expect(readdirSync(runtime)).toEqual([]);
  });
});
