import { describe, expect, test } from 'vitest';
import { parseGroup, parseId, parsePasswd } from '../../../src/resolve/accounts';

describe('parsePasswd', () => {
  test('reads name, uid, gid and home from each well-formed line', () => {
    const text = [
      'root:x:0:0:root:/home/root:/bin/bash',
      'node:x:1000:1000::/home/node:/bin/sh',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    ].join('\n');
    expect(parsePasswd(text)).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/home/root' },
      { name: 'node', uid: 1000, gid: 1000, home: '/home/node' },
      { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' },
    ]);
  });

  test('skips comments, blank lines, NIS lines, CRLF endings and malformed entries', () => {
    const text = [
      '# a comment',
      '',
      '+nisuser::::::',
      '-excluded::::::',
      'app:x:1001:1001::/app:/bin/sh\r',
      'short:x:1002:1002',
      'badid:x:abc:1:::',
      'negative:x:-1:1:::',
      'huge:x:4294967296:1:::',
      ':x:5:5:::',
    ].join('\n');
    expect(parsePasswd(text)).toEqual([{ name: 'app', uid: 1001, gid: 1001, home: '/app' }]);
  });

  test('keeps duplicate uids in file order, so the first entry wins a lookup', () => {
    const entries = parsePasswd('first:x:7:7::/a:/bin/sh\nsecond:x:7:8::/b:/bin/sh\n');
    expect(entries.find((entry) => entry.uid === 7)?.name).toBe('first');
  });
});

describe('parseGroup', () => {
  test('reads the name and gid of each group, members or not', () => {
    expect(parseGroup('root:x:0:\nstaff:x:50:alice,bob\nnogroup:x:65534:\nbroken:x\n')).toEqual([
      { name: 'root', gid: 0 },
      { name: 'staff', gid: 50 },
      { name: 'nogroup', gid: 65534 },
    ]);
  });
});

describe('parseId', () => {
  test.each([
    ['0', 0],
    ['1000', 1000],
    ['2147483647', 2147483647],
  ])('accepts %s', (text, id) => expect(parseId(text)).toBe(id));

  test.each(['', '-1', '1e3', '0x10', ' 5', '5 ', '2147483648', '99999999999'])('refuses %j', (text) =>
    expect(parseId(text)).toBeUndefined(),
  );
});
