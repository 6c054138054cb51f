// --user reaches the resolve step, which looks it up in the image's /etc/passwd and /etc/group
// (test/unit/child/run-as.test.ts covers the lookup's rules). In-process, over an in-memory tree.
import { describe, expect, test } from 'vitest';
import { configFromArgv } from '../../support/config-from-argv';
import { memoryIo } from './memory-io';

const env = { VAULT_TOKEN: 'tok', HOME: '/nonexistent' };
const accounts = {
  files: {
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n',
    '/etc/group': 'root:x:0:\nnode:x:1000:\n',
  },
};
const asRoot = memoryIo(accounts, { uid: 0, gid: 0 });
const asUser = memoryIo(accounts, { uid: 1000, gid: 1000 });
const runAsOf = (argv: string[], extraEnv: Record<string, string> = {}, io = asRoot) => {
  const result = configFromArgv(argv, { ...env, ...extraEnv }, io);
  if (result.kind === 'exit') throw new Error('expected a command');
  return result.config.runAs;
};

describe('--user', () => {
  test('is off by default', () => {
    expect(runAsOf(['--', 'true'])).toBeUndefined();
  });

  test('as root, the flag and VAULT_EXEC_USER give the child ids, the flag winning', () => {
    expect(runAsOf(['--user', '4242:4343', '--', 'true'])).toMatchObject({ uid: 4242, gid: 4343 });
    expect(runAsOf(['--', 'true'], { VAULT_EXEC_USER: '4244:4345' })).toMatchObject({ uid: 4244, gid: 4345 });
    expect(runAsOf(['--user', '4242:4343', '--', 'true'], { VAULT_EXEC_USER: '1:1' })).toMatchObject({
      uid: 4242,
    });
    expect(runAsOf(['--user', 'node', '--', 'true'])).toEqual({
      uid: 1000,
      gid: 1000,
      name: 'node',
      home: '/home/node',
    });
  });

  test('check looks it up as the start would, so check passes only where the start can', () => {
    expect(runAsOf(['check', '--user', 'node'])).toMatchObject({ uid: 1000, name: 'node' });
    expect(() => runAsOf(['check', '--user', 'nosuchuser'])).toThrow(
      '--user "nosuchuser": no user "nosuchuser" in /etc/passwd: create it in the image (useradd) or give a numeric uid',
    );
    expect(() => runAsOf(['check'], { VAULT_EXEC_USER: 'node' }, asUser)).toThrow(
      '--user needs vault-exec to start as root, but it runs as uid 1000',
    );
  });

  test('env starts no child, so it does not look the user up', () => {
    expect(runAsOf(['env'], { VAULT_EXEC_USER: 'nosuchuser' }, asUser)).toBeUndefined();
  });

  test('without root is a usage error, even before the credentials are looked at', () => {
    expect(() => runAsOf(['--user', '4242', '--', 'true'], { VAULT_TOKEN: '' }, asUser)).toThrow(
      '--user needs vault-exec to start as root, but it runs as uid 1000',
    );
  });
});
