import { describe, expect, test } from 'vitest';
import { withUserEnvironment } from '../../../src/child/run-as';
import { resolveRunAs, type RunAsSources } from '../../../src/resolve/run-as';
import { UsageError } from '../../../src/util/errors';

const PASSWD = [
  'root:x:0:0:root:/home/root:/bin/bash',
  'node:x:1000:1000::/home/node:/bin/sh',
  'nohome:x:1500:1500:::/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n');
const GROUP = ['root:x:0:', 'node:x:1000:', 'staff:x:50:node', 'nogroup:x:65534:'].join('\n');

const asRoot = (files: Record<string, string> = { '/etc/passwd': PASSWD, '/etc/group': GROUP }) =>
  ({
    uid: 0,
    gid: 0,
    readFile: (path) => {
      if (path in files) return files[path]!;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
  }) satisfies RunAsSources;

const usageError = (run: () => unknown): UsageError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a usage error');
};

describe('resolveRunAs', () => {
  test('a user name takes the uid, gid and home of its passwd entry', () => {
    expect(resolveRunAs('node', asRoot())).toEqual({
      uid: 1000,
      gid: 1000,
      name: 'node',
      home: '/home/node',
    });
  });

  test('a numeric uid with an entry is the same as its name', () => {
    expect(resolveRunAs('65534', asRoot())).toEqual({
      uid: 65534,
      gid: 65534,
      name: 'nobody',
      home: '/nonexistent',
    });
  });

  test("a numeric uid without an entry keeps vault-exec's gid and gets HOME=/, as gosu does", () => {
    expect(resolveRunAs('4242', asRoot())).toEqual({ uid: 4242, gid: 0, name: undefined, home: '/' });
  });

  test('numeric ids work in an image without /etc/passwd or /etc/group', () => {
    expect(resolveRunAs('4242:4343', asRoot({}))).toEqual({
      uid: 4242,
      gid: 4343,
      name: undefined,
      home: '/',
    });
  });

  test('an empty home field becomes /', () => {
    expect(resolveRunAs('nohome', asRoot()).home).toBe('/');
  });

  test.each([
    ['node:staff', 50],
    ['node:65534', 65534],
    ['node:777', 777],
    ['1000:nogroup', 65534],
  ])('a group after the colon replaces the gid: %s', (spec, gid) => {
    expect(resolveRunAs(spec, asRoot()).gid).toBe(gid);
  });

  test('an unknown user name is a usage error naming it and saying what to do', () => {
    expect(usageError(() => resolveRunAs('ghost', asRoot())).message).toBe(
      '--user "ghost": no user "ghost" in /etc/passwd: create it in the image (useradd) or give a numeric uid',
    );
  });

  test('an unknown group name is a usage error naming it', () => {
    expect(usageError(() => resolveRunAs('node:ghosts', asRoot())).message).toContain(
      'no group "ghosts" in /etc/group',
    );
  });

  test('a name when /etc/passwd cannot be read says to use numeric ids', () => {
    expect(usageError(() => resolveRunAs('node', asRoot({}))).message).toBe(
      '--user needs /etc/passwd to look up a name, but it cannot be read (ENOENT): give numeric ids instead, e.g. --user 1000:1000',
    );
  });

  test.each(['', ':1000', 'node:', 'a:b:c', '2147483648', 'node:99999999999'])(
    'refuses the malformed spec %j',
    (spec) => {
      expect(usageError(() => resolveRunAs(spec, asRoot())).message).toMatch(
        /^invalid value .* for --user: /,
      );
    },
  );

  test('a name with control characters is shown escaped, on one line', () => {
    expect(usageError(() => resolveRunAs('a\nb', asRoot())).message).not.toContain('\n');
  });

  test('refuses to run unless vault-exec is root, before looking anything up', () => {
    const sources = { ...asRoot(), uid: 1000, readFile: () => expect.fail('no file should be read') };
    expect(usageError(() => resolveRunAs('node', sources)).message).toBe(
      "--user needs vault-exec to start as root, but it runs as uid 1000: start it as root (the image's default user) or drop --user",
    );
  });

  test('refuses on a platform without uids', () => {
    expect(usageError(() => resolveRunAs('node', { ...asRoot(), uid: undefined })).message).toContain(
      'runs on this platform',
    );
  });
});

describe('withUserEnvironment', () => {
  test("sets the target user's HOME, USER and LOGNAME over root's", () => {
    const env = { HOME: '/home/root', USER: 'root', LOGNAME: 'root', PATH: '/bin' };
    expect(withUserEnvironment(env, { uid: 1000, gid: 1000, name: 'node', home: '/home/node' })).toEqual({
      HOME: '/home/node',
      USER: 'node',
      LOGNAME: 'node',
      PATH: '/bin',
    });
  });

  test('a uid without a name gets HOME=/ and no USER or LOGNAME', () => {
    const env = { HOME: '/home/root', USER: 'root', LOGNAME: 'root' };
    expect(withUserEnvironment(env, { uid: 4242, gid: 0, home: '/' })).toEqual({ HOME: '/' });
  });
});
