// Why a fetch() got no answer, as node and Bun (the standalone binary) each report it.
import { expect, test } from 'vitest';
import { describeFetchFailure } from '../../../src/util/fetch-failure';

const withCode = (code: string) => Object.assign(new Error('fetch failed'), { code });

test.each([
  ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'no answer within 2 s'],
  [
    "node: the socket's code on cause",
    new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }),
    'request failed (ECONNREFUSED)',
  ],
  ['Bun: the code on the error itself', withCode('ConnectionRefused'), 'request failed (ConnectionRefused)'],
  [
    'node: one error per address tried',
    new TypeError('fetch failed', {
      cause: Object.assign(new Error('all failed'), { errors: [withCode('ECONNREFUSED')] }),
    }),
    'request failed (ECONNREFUSED)',
  ],
  [
    'a cause with only a message',
    new TypeError('fetch failed', { cause: new Error('bad port') }),
    'request failed (bad port)',
  ],
  ['anything else', 'a string', 'request failed (unknown error)'],
])('%s', (_, error, reason) => {
  expect(describeFetchFailure(error, 2_000)).toBe(reason);
});
