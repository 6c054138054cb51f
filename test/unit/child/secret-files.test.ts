// The secret files' directory on the real filesystem (/dev/shm): modes, whole-or-nothing rewrites,
// removal, an earlier run's leftovers, and the refusal of a disk-backed default.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MANIFEST, SecretFiles, isMemoryBacked } from '../../../src/child/secret-files';
import { failure, modeOf, useSecretFilesScratch } from './secret-files-fixture';

const { lines, log, shmDir, removeAfter } = useSecretFilesScratch('vault-exec-unit-');

describe('SecretFiles', () => {
  test('a directory named by --files-dir: 0700, files 0400, only changed files rewritten, ours removed at exit', () => {
    const dir = shmDir();
    writeFileSync(join(dir, 'unrelated'), 'stays');
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log });
    expect(
      files.write(
        new Map([
          ['a.txt', 'one'],
          ['b.txt', 'two'],
        ]),
      ),
    ).toEqual(['a.txt', 'b.txt']);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, 'a.txt'))).toBe(0o400);
    expect(
      files.write(
        new Map([
          ['a.txt', 'one'],
          ['b.txt', 'three'],
        ]),
      ),
    ).toEqual(['b.txt']);
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('three');
    files.removeAll();
    expect(readdirSync(dir)).toEqual(['unrelated']);
  });

  test('a group-readable mode opens the directory to the group too, never to others', () => {
    const dir = join(shmDir(), 'made');
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o440, log });
    files.write(new Map([['a', 'x']]));
    expect([modeOf(dir), modeOf(join(dir, 'a'))]).toEqual([0o750, 0o440]);
    files.removeAll();
    expect(existsSync(dir)).toBe(false);
  });

  test('a failed rewrite renames nothing: every file keeps its old content, one line, exit 73', () => {
    const dir = shmDir();
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log });
    files.write(new Map([['a', 'old']]));
    mkdirSync(join(dir, 'b')); // a directory where the file b would go: its rename fails
    const error = failure(() =>
      files.write(
        new Map([
          ['b', 'new'],
          ['a', 'new'],
        ]),
      ),
    );
    expect(error.exitCode).toBe(73);
    expect(error.message).toMatch(
      /^cannot write the secret file b in .*: EISDIR; the files and the child were left as they were$/,
    );
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((name) => name.startsWith('.vault-exec-tmp'))).toEqual([]);
    files.removeAll();
  });

  test("an earlier run's files in the same directory (it was SIGKILLed) are removed at start", () => {
    const dir = shmDir();
    // As a run writes them: the file in --file-mode, the temporary and the manifest 0600.
    writeFileSync(join(dir, 'tls.key'), 'old key', { mode: 0o400 });
    writeFileSync(join(dir, '.vault-exec-tmp-tls.key.abc'), 'half', { mode: 0o600 });
    writeFileSync(join(dir, MANIFEST), 'tls.key\n', { mode: 0o600 });
    writeFileSync(join(dir, 'mine'), 'not in the manifest');
    const files = SecretFiles.open({ explicitDir: dir, env: {}, mode: 0o400, log });
    expect(readdirSync(dir)).toEqual(['mine']);
    expect(lines.join('')).toContain('removed 2 stale files an earlier run left in');
    files.removeAll();
  });

  test("the default directory: fresh in XDG_RUNTIME_DIR, removed whole; dead runs' directories swept", () => {
    const runtime = shmDir();
    const namespace = /\[([0-9]+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]!;
    const stale = join(runtime, `vault-exec-files.${namespace}.999999999.AbCdEf`);
    // Another PID namespace's (a sibling container sharing /dev/shm) is never touched.
    const foreign = join(runtime, 'vault-exec-files.1.999999999.AbCdEf');
    mkdirSync(foreign);
    mkdirSync(stale);
    writeFileSync(join(stale, 'tls.key'), 'old key');
    const files = SecretFiles.open({ env: { XDG_RUNTIME_DIR: runtime }, mode: 0o400, log });
    expect(existsSync(stale)).toBe(false);
    expect(files.dir.startsWith(join(runtime, `vault-exec-files.${namespace}.${process.pid}.`))).toBe(true);
    files.write(new Map([['a', 'x']]));
    files.removeAll();
    expect(readdirSync(runtime)).toEqual([basename(foreign)]);
  });

  // The checkout is on a disk almost everywhere; on a tmpfs there is no disk to refuse.
  test.skipIf(isMemoryBacked(process.cwd()))(
    'a disk-backed default is refused, saying why; named with --files-dir it is used',
    () => {
      const disk = mkdtempSync(join(process.cwd(), '.vault-exec-disk-'));
      removeAfter(disk);
      const error = failure(() => SecretFiles.open({ env: { XDG_RUNTIME_DIR: disk }, mode: 0o400, log }));
      expect(error.exitCode).toBe(73);
      expect(error.message).toMatch(
        /is not a memory-backed filesystem, so the secret files would be written to a disk/,
      );
      expect(error.message).toContain('--files-dir');
      const files = SecretFiles.open({ explicitDir: disk, env: {}, mode: 0o400, log });
      expect(lines.join('')).toContain('is disk-backed');
      files.removeAll();
    },
  );
});
