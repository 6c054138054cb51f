import { afterEach, describe, expect, test, vi } from 'vitest';
import { parseCommandLine } from '../../../src/cli/parse-command-line';

// The flag and its twin reach the resolver (test/unit/child/run-as.test.ts covers the resolution);
// numeric ids need no /etc/passwd entry, so these hold on any machine.
const env = { VAULT_TOKEN: 'tok', HOME: '/nonexistent' };
const runAsOf = (argv: string[], extraEnv: Record<string, string> = {}) => {
  const result = parseCommandLine(argv, { ...env, ...extraEnv });
  if (result.kind !== 'run') throw new Error('expected a run');
  return result.config.runAs;
};
afterEach(() => vi.restoreAllMocks());

describe('--user', () => {
  test('is off by default', () => {
    expect(runAsOf(['--', 'true'])).toBeUndefined();
  });

  test('as root, the flag and VAULT_EXEC_USER give the child ids, the flag winning', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    expect(runAsOf(['--user', '4242:4343', '--', 'true'])).toMatchObject({ uid: 4242, gid: 4343 });
    expect(runAsOf(['--', 'true'], { VAULT_EXEC_USER: '4244:4345' })).toMatchObject({ uid: 4244, gid: 4345 });
    expect(runAsOf(['--user', '4242:4343', '--', 'true'], { VAULT_EXEC_USER: '1:1' })).toMatchObject({
      uid: 4242,
    });
  });

  test("is ignored by check, which starts no child, so an image's VAULT_EXEC_USER does not refuse it", () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const result = parseCommandLine(['check'], { ...env, VAULT_EXEC_USER: 'node' });
    expect(result).toMatchObject({ kind: 'check' });
    expect((result as { config: { runAs?: unknown } }).config.runAs).toBeUndefined();
  });

  test('without root is a usage error, even before the credentials are looked at', () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    expect(() => parseCommandLine(['--user', '4242', '--', 'true'], { HOME: '/nonexistent' })).toThrow(
      '--user needs vault-exec to start as root, but it runs as uid 1000',
    );
  });
});
