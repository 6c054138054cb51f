import { expect, test } from 'vitest';
import { escapeControlCharacters, quote } from '../../../src/util/errors';

test('control characters in user input or server data are escaped, so a message stays one line', () => {
  expect(escapeControlCharacters('pass\nword\r\t\u0007')).toBe('pass\\nword\\r\\t\\u0007');
  expect(escapeControlCharacters('plain key')).toBe('plain key');
  expect(quote('a\nb')).toBe('"a\\nb"');
});
