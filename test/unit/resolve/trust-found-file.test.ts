import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/util/errors';
import { assertFoundFileIsTrusted } from '../../../src/resolve/trust-found-file';

const ioOf = (uid: number, owner: number, mode: number) => ({ uid, stat: () => ({ uid: owner, mode }) });

describe('a project file vault-exec found by itself', () => {
  test('is used when it is yours or root’s and only you may write it', () => {
    expect(() => assertFoundFileIsTrusted('/p/vault-exec.yaml', ioOf(1000, 1000, 0o100644))).not.toThrow();
    expect(() => assertFoundFileIsTrusted('/p/vault-exec.yaml', ioOf(1000, 0, 0o100644))).not.toThrow();
  });

  test('is refused when another user owns it, as a file planted in /tmp would be', () => {
    expect(() => assertFoundFileIsTrusted('/tmp/vault-exec.yaml', ioOf(1000, 1001, 0o100644))).toThrow(
      new UsageError(
        'refusing the project file /tmp/vault-exec.yaml: it belongs to uid 1001, not to you; move it, or pass it with --config if you trust it',
      ),
    );
  });

  test('is refused when others may write to it', () => {
    expect(() => assertFoundFileIsTrusted('/p/vault-exec.yaml', ioOf(1000, 1000, 0o100666))).toThrow(
      /others may write to it \(mode 666\); chmod go-w it/,
    );
  });
});
