// Shared by the fuzz suites: the run count, the per-parser input counter, the "UsageError of one
// line or nothing" check, and string generators.
//
// FUZZ_RUNS sets the runs per property (default 300, so `npm test` stays fast); `npm run fuzz`
// (scripts/fuzz.mjs) raises it and sets FUZZ_SUMMARY to a file where every suite appends how many
// inputs each parser was given, which the script adds up and prints.
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, expect } from 'vitest';
import { UsageError } from '../../../src/util/errors';

export const RUNS = positiveInteger(process.env.FUZZ_RUNS) ?? 300;
/** Generous: a long campaign runs 100,000+ inputs in one property. */
export const TIMEOUT_MS = Math.max(30_000, RUNS * 5);
/** fast-check settings for every property; FUZZ_SEED replays a reported failure. */
export const PARAMS: fc.Parameters<unknown> = {
  numRuns: RUNS,
  ...(positiveInteger(process.env.FUZZ_SEED) !== undefined
    ? { seed: positiveInteger(process.env.FUZZ_SEED) }
    : {}),
};

const counts = new Map<string, number>();

/** Counts one input given to `parser`. */
export function tried(parser: string): void {
  counts.set(parser, (counts.get(parser) ?? 0) + 1);
}

/** Call once per suite file: appends this file's counts to FUZZ_SUMMARY when the suite ends. */
export function reportCounts(suite: string): void {
  afterAll(() => {
    const file = process.env.FUZZ_SUMMARY;
    if (!file) return;
    appendFileSync(file, `${JSON.stringify({ suite, counts: Object.fromEntries(counts) })}\n`);
  });
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Runs a parser on one input: it either returns, or throws a UsageError whose message is one line,
 * without a stack. Anything else escaping (TypeError, RangeError, a plain Error...) fails the property.
 */
export function attempt<T>(parser: string, input: string, parse: () => T): Outcome<T> {
  tried(parser);
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw new Error(
        `${parser} threw ${(error as Error)?.name ?? typeof error} instead of a UsageError for ${JSON.stringify(input)}: ${String(error)}`,
      );
    }
    expectOneLine(error.message, input);
    return { ok: false, message: error.message };
  }
}

export function expectOneLine(message: string, input: string): void {
  expect(message.trim(), 'the message is not empty').not.toBe('');
  expect(message, 'no stack in the message').not.toMatch(/\n\s+at |^\s+at /m);
  if (/[\r\n]/.test(message))
    expect.fail(`the message for ${JSON.stringify(input)} is not one line: ${JSON.stringify(message)}`);
}

// --- generators -------------------------------------------------------------------------------

/** Characters that matter to the grammars, plus whitespace, line breaks and a few non-ASCII ones. */
const INTERESTING = [
  ...'aAzZ_09/#=.?:$ {}\t\n\r-,',
  'vault',
  'vault:',
  '${vault:',
  'ms',
  's',
  'm',
  'h',
  'é',
  'ß',
  '\u00a0',
  '\u2028',
  '😀',
  '\0',
];

/** Any text: full Unicode graphemes, raw code units (lone surrogates too) and grammar-heavy soup. */
export function anyText(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme-ascii', maxLength }),
    fc.string({ unit: fc.constantFrom(...INTERESTING), maxLength: Math.ceil(maxLength / 2) }),
  );
}

export const validEnvName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);

/** Mostly valid names, sometimes subtly not (leading digit, dash, dot, space, empty, non-ASCII). */
export const nearEnvName = fc.oneof(
  { weight: 4, arbitrary: validEnvName },
  { weight: 1, arbitrary: fc.constantFrom('', '1A', 'A-B', 'A.B', 'A B', ' A', 'Ä', '_', 'a=b', '#') },
  { weight: 1, arbitrary: anyText(8) },
);

/** A path segment that vault-exec accepts. */
export const validSegment = fc
  .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.=@:+-]{0,10}$/)
  .filter((segment) => segment !== '.' && segment !== '..');

/** Segments that make a path invalid, and some that are merely unusual. */
const oddSegment = fc.constantFrom(
  '',
  '.',
  '..',
  ' ',
  'a b',
  'a?b',
  '?',
  '#',
  'a#b',
  '\t',
  'é',
  '${vault:x}',
  '\u00a0',
);

export const validPath = fc
  .array(validSegment, { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join('/'));

/** A path as a user might type it: slashes around it, spaces around it, odd segments inside. */
export const nearPath = fc
  .tuple(
    fc.array(fc.oneof({ weight: 5, arbitrary: validSegment }, { weight: 1, arbitrary: oddSegment }), {
      minLength: 0,
      maxLength: 4,
    }),
    fc.constantFrom('', '/', '//', ' '),
    fc.constantFrom('', '/', '//', ' ', '\n'),
  )
  .map(([segments, before, after]) => `${before}${segments.join('/')}${after}`);

/** A key: anything non-empty is a valid key (Vault keys are arbitrary JSON object keys). */
export const validKey = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
  anyText(12).filter((key) => key !== ''),
);

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}
