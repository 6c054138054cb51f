// A token kept in a file: trimmed, refused when empty or unreadable, in the same words wherever read.
import { expect, test } from 'vitest';
import { readTokenFile } from '../../../src/util/token-file';

const reading = (text: string | Error) => () => {
  if (text instanceof Error) throw text;
  return text;
};

test.each([
  ['a token with its newline', reading('eyJ.token\n'), { ok: true, token: 'eyJ.token' }],
  ['an empty file', reading(' \n'), { ok: false, message: 'AWS_WEB_IDENTITY_TOKEN_FILE /t is empty' }],
  [
    'a missing file',
    reading(Object.assign(new Error('nope'), { code: 'ENOENT' })),
    { ok: false, message: 'cannot read AWS_WEB_IDENTITY_TOKEN_FILE /t: no such file' },
  ],
])('%s', (_, readFile, expected) => {
  expect(readTokenFile('/t', 'AWS_WEB_IDENTITY_TOKEN_FILE', readFile)).toMatchObject(expected);
});
