// Fuzzed flag values: durations (--wait-timeout, --request-timeout, --kill-timeout and their twins)
// and boolean env values (VAULT_SKIP_VERIFY, VAULT_EXEC_PASS_TOKEN, ...). Accepted values round-trip
// through a formatter; everything else is a one-line UsageError.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseBoolean } from '../../../src/cli/values';
import { parseDuration } from '../../../src/util/duration';
import { PARAMS, TIMEOUT_MS, anyText, attempt, reportCounts } from './fuzz-support';

reportCounts('values');

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
/** The longest delay a Node timer can hold; anything longer fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** "1h2m3s4ms" for any whole number of milliseconds. */
function formatDuration(ms: number): string {
  let rest = ms;
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) text += `${amount}${unit}`;
  }
  return text === '' ? '0ms' : text;
}

const amount = fc.oneof(
  fc.nat({ max: 5000 }).map(String),
  fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 999 })).map(([whole, fraction]) => `${whole}.${fraction}`),
  fc.constantFrom(
    '0',
    '00',
    '1.',
    '.5',
    '-1',
    '+1',
    '1e3',
    '0x10',
    '1_000',
    '9'.repeat(20),
    '9'.repeat(400),
    '2147484',
    '597h',
  ),
);
const unit = fc.constantFrom('ms', 's', 'm', 'h', '', '', 'd', 'us', 'S', 'MS', ' s', 'sec');
const durationText = fc.oneof(
  anyText(),
  fc
    .tuple(
      fc.constantFrom('', ' ', '\t', '\n'),
      fc.array(fc.tuple(amount, unit), { minLength: 0, maxLength: 4 }),
      fc.constantFrom('', ' ', '\n', 'x'),
    )
    .map(
      ([before, parts, after]) =>
        `${before}${parts.map(([number, suffix]) => `${number}${suffix}`).join('')}${after}`,
    ),
);

function checkDuration(text: string): void {
  const outcome = attempt('parseDuration', text, () => parseDuration(text, '--wait-timeout'));
  if (!outcome.ok) return;
  const ms = outcome.value;
  if (!Number.isFinite(ms) || ms > MAX_TIMER_MS)
    expect.fail(`parseDuration(${JSON.stringify(text)}) accepted ${ms} ms, which no timer can hold`);
  expect(Number.isInteger(ms) && ms >= 0, `${JSON.stringify(text)} gave ${ms}`).toBe(true);
  const formatted = formatDuration(ms);
  expect(attempt('parseDuration', formatted, () => parseDuration(formatted, '--wait-timeout'))).toEqual({
    ok: true,
    value: ms,
  });
  expect(attempt('parseDuration', `${ms}ms`, () => parseDuration(`${ms}ms`, '--wait-timeout'))).toEqual({
    ok: true,
    value: ms,
  });
  if (ms % 1000 === 0)
    expect(
      attempt('parseDuration', String(ms / 1000), () => parseDuration(String(ms / 1000), '--wait-timeout')),
    ).toEqual({ ok: true, value: ms });
}

describe('durations (parseDuration)', () => {
  test(
    'every input parses to a whole, timer-safe number of ms that round-trips, or is rejected with one line',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(durationText, (text) => checkDuration(text)),
        PARAMS,
      );
    },
  );

  test(
    'a sequence of whole amounts with units is their sum, in any order and with spaces around',
    { timeout: TIMEOUT_MS },
    () => {
      const part = fc.tuple(
        fc.nat({ max: 100 }),
        fc.constantFrom(...(Object.keys(UNIT_MS) as Array<keyof typeof UNIT_MS>)),
      );
      fc.assert(
        fc.property(
          fc.array(part, { minLength: 1, maxLength: 5 }),
          fc.constantFrom('', ' ', '\t'),
          (parts, padding) => {
            const text = `${padding}${parts.map(([number, suffix]) => `${number}${suffix}`).join('')}${padding}`;
            const expected = parts.reduce((total, [number, suffix]) => total + number * UNIT_MS[suffix], 0);
            expect(attempt('parseDuration', text, () => parseDuration(text, '--kill-timeout'))).toEqual({
              ok: true,
              value: expected,
            });
          },
        ),
        PARAMS,
      );
    },
  );

  test('a bare number is seconds', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), (seconds) => {
        expect(
          attempt('parseDuration', String(seconds), () =>
            parseDuration(String(seconds), '--request-timeout'),
          ),
        ).toEqual({ ok: true, value: seconds * 1000 });
      }),
      PARAMS,
    );
  });
});

const TRUE_WORDS = ['1', 't', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'f', 'false', 'no', 'off'];

/** Random upper/lower case and whitespace around a word. */
const cased = (word: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }),
      fc.constantFrom('', ' ', '\t', '\n', ' \r\n'),
      fc.constantFrom('', ' ', '\n'),
    )
    .map(
      ([upper, before, after]) =>
        `${before}${[...word].map((char, index) => (upper[index] ? char.toUpperCase() : char)).join('')}${after}`,
    );

const booleanText = fc.oneof(
  anyText(12),
  fc.constantFrom(...TRUE_WORDS, ...FALSE_WORDS).chain(cased),
  fc.constantFrom(
    '',
    ' ',
    'truee',
    'ye',
    'y',
    'n',
    '2',
    '-1',
    'enable',
    'disabled',
    'TRUE!',
    'tru e',
    'of',
    '01',
    'null',
    'undefined',
  ),
);

describe('boolean env values (parseBoolean)', () => {
  test(
    'every value is true, false or the default, as the Vault CLI reads it, or is rejected with one line',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(fc.option(booleanText, { nil: undefined }), fc.boolean(), (value, fallback) => {
          const outcome = attempt('parseBoolean', value ?? '', () =>
            parseBoolean(value, 'VAULT_SKIP_VERIFY', fallback),
          );
          const word = value?.trim().toLowerCase();
          const expected =
            word === undefined || word === ''
              ? fallback
              : TRUE_WORDS.includes(word)
                ? true
                : FALSE_WORDS.includes(word)
                  ? false
                  : undefined;
          if (expected === undefined) {
            expect(outcome.ok, `${JSON.stringify(value)} was accepted`).toBe(false);
            return;
          }
          expect(outcome).toEqual({ ok: true, value: expected });
          // Round trip: the canonical spelling reads back the same, whatever the default.
          expect(
            attempt('parseBoolean', String(expected), () =>
              parseBoolean(String(expected), 'VAULT_SKIP_VERIFY', !fallback),
            ),
          ).toEqual({ ok: true, value: expected });
        }),
        PARAMS,
      );
    },
  );
});
