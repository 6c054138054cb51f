// --metrics-addr's address forms and refusals.
import { expect, test } from 'vitest';
import { parseListenAddress } from '../../../src/cli/values';

test.each([
  ['9464', { host: '127.0.0.1', port: 9464 }],
  ['0', { host: '127.0.0.1', port: 0 }],
  ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
  ['localhost:9100', { host: 'localhost', port: 9100 }],
  ['[::]:9464', { host: '::', port: 9464 }],
  ['[::1]:1', { host: '::1', port: 1 }],
  [' 9464 ', { host: '127.0.0.1', port: 9464 }],
])('--metrics-addr %j listens on %j', (text, expected) => {
  expect(parseListenAddress(text)).toEqual(expected);
});

test.each([
  '',
  'abc',
  '65536',
  '99999',
  ':9464',
  'host:',
  '::1:9464',
  'http://0.0.0.0:9464',
  '1.2.3.4:-1',
  'a b:1',
])('--metrics-addr %j is one usage line', (text) => {
  expect(() => parseListenAddress(text)).toThrow(/^invalid --metrics-addr .*: expected \[host:\]port/);
});
