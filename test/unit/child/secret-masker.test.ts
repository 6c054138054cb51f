import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MASK, createOutputMasker, maskPatternsOf } from '../../../src/child/secret-masker';

/** Feeds `chunks` through a masker built from `values` and returns everything it wrote, as text. */
function maskInChunks(values: string[], chunks: Array<string | Buffer>): string {
  const masker = createOutputMasker(maskPatternsOf(values));
  const out = chunks.map((chunk) => masker.write(Buffer.from(chunk)));
  return Buffer.concat([...out, masker.end()]).toString('utf8');
}

/** The obvious, non-streaming definition: at each position the longest pattern that starts there. */
function maskAtOnce(text: string, patterns: string[]): string {
  const longestFirst = [...patterns].sort((a, b) => b.length - a.length);
  let out = '';
  for (let i = 0; i < text.length;) {
    const found = longestFirst.find((pattern) => text.startsWith(pattern, i));
    if (found === undefined) out += text[i++];
    else {
      out += MASK;
      i += found.length;
    }
  }
  return out;
}

describe('the output masker', () => {
  test('replaces a secret printed whole, and leaves everything around it untouched', () => {
    expect(maskInChunks(['hunter22'], ['password is hunter22, ok\n'])).toBe('password is ***, ok\n');
  });

  test('replaces a secret split across two writes at every possible point', () => {
    const line = 'token=s3cr3t-value;\n';
    for (let cut = 0; cut <= line.length; cut++)
      expect(maskInChunks(['s3cr3t-value'], [line.slice(0, cut), line.slice(cut)])).toBe('token=***;\n');
  });

  test('replaces a secret written one byte at a time, multi-byte characters included', () => {
    const bytes = Buffer.from('» pässwörd-ß «\n');
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    expect(maskInChunks(['pässwörd-ß'], chunks)).toBe('» *** «\n');
  });

  test('masks each line of a multi-line value, however its lines are printed', () => {
    const key = '-----BEGIN KEY-----\nMIIBVwIBADANBgkq\r\nhkiG9w0BAQEFAASC\n-----END KEY-----';
    expect(maskInChunks([key], [`${key}\n`])).toBe('***\n***\r\n***\n***\n');
    expect(maskInChunks([key], ['second line only: hkiG9w0BAQEFAASC\n'])).toBe('second line only: ***\n');
  });

  test('masks a value as it appears inside JSON, quotes, backslashes and line breaks escaped', () => {
    const value = 'pa"ss\\word\nnext-line';
    const json = JSON.stringify({ password: value });
    expect(maskInChunks([value], [json])).toBe('{"password":"***\\n***"}');
  });

  test('masks a non-ASCII value that a JSON writer escaped to \\u sequences', () => {
    expect(maskInChunks(['clé-secrète'], ['{"k": "cl\\u00e9-secr\\u00e8te"}'])).toBe('{"k": "***"}');
  });

  test('leaves lines shorter than four characters alone, so "{" in a JSON secret does not garble the log', () => {
    expect(maskInChunks(['{\n  "key": "value-1234"\n}'], ['{ "key": "value-1234" }\n'])).toBe('{ *** }\n');
  });

  test('prefers the longest secret when several start at the same place', () => {
    expect(maskInChunks(['abcd', 'abcdefgh'], ['xabcdefghy'])).toBe('x***y');
  });

  test('passes on at once everything that cannot start a secret, and holds back only a possible prefix', () => {
    const masker = createOutputMasker(maskPatternsOf(['secret-value']));
    expect(masker.write(Buffer.from('progress 50% ... secr')).toString()).toBe('progress 50% ... ');
    expect(masker.write(Buffer.from('et-val')).toString()).toBe('');
    expect(masker.write(Buffer.from('ue done')).toString()).toBe('*** done');
    expect(masker.write(Buffer.from(' secret-v')).toString()).toBe(' ');
    expect(masker.end().toString()).toBe('secret-v');
  });

  test('holds back no more than the longest secret, even in a very long line with no newline', () => {
    const masker = createOutputMasker(maskPatternsOf(['0123456789abcdef']));
    let passed = 0;
    for (let i = 0; i < 10_000; i++) {
      passed += masker.write(Buffer.from('0123456789abcde')).length;
      expect(15 * (i + 1) - passed).toBeLessThan(16);
    }
  });

  test('with no secrets, is the identity', () => {
    expect(maskInChunks([], ['any\n', 'thing'])).toBe('any\nthing');
  });

  test('for random secrets, text and write boundaries: no secret survives and the result equals masking at once', () => {
    // No "*" in the alphabet: the mask itself must not be able to complete a secret.
    const alphabet = fc.constantFrom(...'ab c\n"\\é€😀x=#$'.split(/(?=[\s\S])/u));
    const word = fc.array(alphabet, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(word, fc.nat(3)), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (secrets, pieces, cuts) => {
          // The text interleaves the secrets (by index) with noise.
          const text = pieces
            .map((piece) => (typeof piece === 'number' ? secrets[piece % secrets.length]! : piece))
            .join('');
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((start, index) =>
            bytes.subarray(start, [...points, bytes.length][index]),
          );
          const output = maskInChunks(secrets, chunks);
          const patterns = maskPatternsOf(secrets).map((pattern) => pattern.toString('utf8'));
          expect(output).toBe(maskAtOnce(text, patterns));
          for (const pattern of patterns) expect(output).not.toContain(pattern);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
