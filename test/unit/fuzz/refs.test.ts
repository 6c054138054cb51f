// Fuzzed: NAME=PATH#KEY (--secret), [PREFIX=]PATH (--secrets), vault:PATH#KEY and ${vault:PATH#KEY}
// in env values, and env names. Every input either parses to something that round-trips through a
// formatter written here, or is rejected with a one-line UsageError; nothing else may escape.
import fc from 'fast-check';
import { keyToEnvName } from '../../../src/vault/secrets';
import { describe, expect, test } from 'vitest';
import {
  findEnvTemplates,
  isValidEnvName,
  parsePathImport,
  parseRef,
  parseSecretMapping,
  type PathImport,
  type SecretMapping,
  type SecretRef,
  type TemplatePart,
} from '../../../src/cli/secret-references';
import {
  PARAMS,
  TIMEOUT_MS,
  anyText,
  attempt,
  nearEnvName,
  nearPath,
  reportCounts,
  tried,
  validEnvName,
  validKey,
  validPath,
} from './fuzz-support';

reportCounts('refs');

// --- formatters: the inverse of each parser for the values it accepts ---------------------------

const formatRef = (ref: SecretRef): string => `${ref.path}#${ref.key}`;
const formatMapping = (mapping: SecretMapping): string => `${mapping.name}=${formatRef(mapping.ref)}`;
/** A prefix-less path that itself looks like PREFIX=... gets a leading "/", which the parser strips. */
const formatPathImport = (item: PathImport): string =>
  item.prefix !== ''
    ? `${item.prefix}=${item.path}`
    : /^[A-Za-z_][A-Za-z0-9_]*=/.test(item.path)
      ? `/${item.path}`
      : item.path;
/** A lone reference is written whole, unless its key holds "${vault:", which makes any value a template. */
const formatTemplate = (parts: TemplatePart[]): string => {
  const [only] = parts;
  if (parts.length === 1 && only !== undefined && 'ref' in only && !only.ref.key.includes('${vault:'))
    return `vault:${formatRef(only.ref)}`;
  return parts.map((part) => ('ref' in part ? `\${vault:${formatRef(part.ref)}}` : part.literal)).join('');
};

/** What every accepted reference satisfies, whatever the input looked like. */
function expectWellFormedRef(ref: SecretRef): void {
  expect(ref.key).not.toBe('');
  expect(ref.path).not.toBe('');
  expect(ref.path).not.toMatch(/^\/|\/$|[\s?#]/);
  for (const segment of ref.path.split('/')) expect(['', '.', '..']).not.toContain(segment);
}

// --- --secret NAME=PATH#KEY ----------------------------------------------------------------------

const mappingText = fc.oneof(
  anyText(),
  fc
    .tuple(
      nearEnvName,
      fc.constantFrom('=', '=', '==', ''),
      nearPath,
      fc.constantFrom('#', '#', '##', ''),
      fc.oneof(validKey, fc.constant('')),
    )
    .map((parts) => parts.join('')),
);

function checkMapping(text: string): void {
  const outcome = attempt('parseSecretMapping', text, () => parseSecretMapping(text));
  if (!outcome.ok) return;
  const mapping = outcome.value;
  expect(isValidEnvName(mapping.name)).toBe(true);
  expectWellFormedRef(mapping.ref);
  const again = attempt('parseSecretMapping', formatMapping(mapping), () =>
    parseSecretMapping(formatMapping(mapping)),
  );
  expect(again).toEqual({ ok: true, value: mapping });
}

describe('--secret NAME=PATH#KEY (parseSecretMapping)', () => {
  test('every input parses and round-trips, or is rejected with one line', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(mappingText, (text) => checkMapping(text)),
      PARAMS,
    );
  });

  test(
    'a well-formed mapping parses to exactly its parts, whatever slashes and spaces surround the path',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(
          validEnvName,
          validPath,
          validKey,
          fc.constantFrom('', '/', ' ', ' //'),
          fc.constantFrom('', '/', '// '),
          (name, path, key, before, after) => {
            const outcome = attempt('parseSecretMapping', `${name}=${before}${path}${after}#${key}`, () =>
              parseSecretMapping(`${name}=${before}${path}${after}#${key}`),
            );
            expect(outcome).toEqual({ ok: true, value: { name, ref: { path, key } } });
          },
        ),
        PARAMS,
      );
    },
  );
});

// --- --secrets [PREFIX=]PATH ---------------------------------------------------------------------

const pathImportText = fc.oneof(
  anyText(),
  fc
    .tuple(
      fc.oneof(
        fc.constant(''),
        nearEnvName.map((name) => `${name}=`),
      ),
      nearPath,
      fc.constantFrom('', '', '#key', '#'),
    )
    .map((parts) => parts.join('')),
);

describe('--secrets [PREFIX=]PATH (parsePathImport)', () => {
  test('every input parses and round-trips, or is rejected with one line', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(pathImportText, (text) => {
        const outcome = attempt('parsePathImport', text, () => parsePathImport(text));
        if (!outcome.ok) return;
        const item = outcome.value;
        expect(item.prefix === '' || isValidEnvName(item.prefix)).toBe(true);
        expectWellFormedRef({ path: item.path, key: 'x' });
        const formatted = formatPathImport(item);
        expect(attempt('parsePathImport', formatted, () => parsePathImport(formatted))).toEqual({
          ok: true,
          value: item,
        });
      }),
      PARAMS,
    );
  });

  test('a well-formed import parses to exactly its prefix and path', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(''), validEnvName), validPath, (prefix, path) => {
        const text = prefix === '' ? path : `${prefix}=${path}`;
        const expected =
          prefix === '' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(path) ? undefined : { path, prefix };
        const outcome = attempt('parsePathImport', text, () => parsePathImport(text));
        if (expected) expect(outcome).toEqual({ ok: true, value: expected });
      }),
      PARAMS,
    );
  });
});

// --- PATH#KEY, vault:PATH#KEY and ${vault:PATH#KEY} --------------------------------------------

describe('references (parseRef)', () => {
  test('every PATH#KEY parses and round-trips, or is rejected with one line', { timeout: TIMEOUT_MS }, () => {
    const refText = fc.oneof(
      anyText(),
      fc
        .tuple(nearPath, fc.constantFrom('#', '#', ''), fc.oneof(validKey, fc.constant('')))
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(refText, (text) => {
        const outcome = attempt('parseRef', text, () => parseRef(text, 'the fuzzer'));
        if (!outcome.ok) return;
        expectWellFormedRef(outcome.value);
        expect(
          attempt('parseRef', formatRef(outcome.value), () =>
            parseRef(formatRef(outcome.value), 'the fuzzer'),
          ),
        ).toEqual(outcome);
      }),
      PARAMS,
    );
  });
});

/** Env values: plain text, whole references, and text with ${vault:...} pieces (closed or not). */
const envValue = fc.oneof(
  anyText(),
  anyText(30).map((text) => `vault:${text}`),
  fc
    .array(
      fc.oneof(
        anyText(10),
        fc
          .tuple(
            nearPath,
            fc.constantFrom('#', ''),
            fc.oneof(validKey, fc.constant('')),
            fc.constantFrom('}', '}', ''),
          )
          .map(([path, hash, key, close]) => `\${vault:${path}${hash}${key}${close}`),
      ),
      { maxLength: 5 },
    )
    .map((pieces) => pieces.join('')),
);

function checkTemplates(env: Record<string, string>): void {
  const input = Object.values(env).join(' ');
  const outcome = attempt('findEnvTemplates', input, () => findEnvTemplates(env));
  if (!outcome.ok) return;
  for (const template of outcome.value.templates) {
    const value = env[template.name]!;
    expect(value.startsWith('vault:') || value.includes('${vault:')).toBe(true);
    expect(template.parts.length).toBeGreaterThan(0);
    for (const part of template.parts) {
      if ('ref' in part) expectWellFormedRef(part.ref);
      else expect(part.literal).not.toBe('');
    }
    const again = attempt('findEnvTemplates', formatTemplate(template.parts), () =>
      findEnvTemplates({ [template.name]: formatTemplate(template.parts) }),
    );
    expect(again).toEqual({ ok: true, value: { templates: [template], lookalikes: [] } });
  }
  // A value holding "${vault:" is a template; one starting with "vault:" is a template exactly when
  // the rest parses as PATH#KEY, and is left alone otherwise; every other value is neither.
  const named = outcome.value.templates.map((template) => template.name);
  const { lookalikes } = outcome.value;
  for (const [name, value] of Object.entries(env)) {
    const isWholeRef =
      value.startsWith('vault:') &&
      attempt('parseRef', value, () => parseRef(value.slice('vault:'.length), 'the fuzzer')).ok;
    expect(named.includes(name)).toBe(value.includes('${vault:') || isWholeRef);
    expect(lookalikes.includes(name)).toBe(
      !value.includes('${vault:') && value.startsWith('vault:') && !isWholeRef,
    );
  }
}

describe('references in env values (findEnvTemplates)', () => {
  test('every value parses and round-trips, or is rejected with one line', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(envValue, (value) => checkTemplates({ APP_VALUE: value })),
      PARAMS,
    );
  });

  test(
    'a whole environment of such values parses, or is rejected with one line',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(fc.dictionary(validEnvName, envValue, { maxKeys: 5 }), (env) => checkTemplates(env)),
        PARAMS,
      );
    },
  );

  test('a valid template re-assembled from its parts is the original value', { timeout: TIMEOUT_MS }, () => {
    // Literal text that cannot start or contain a reference of its own.
    const literal = anyText(12).filter((text) => text !== '' && !text.includes('${vault:'));
    const ref = fc.record({ path: validPath, key: validKey.filter((key) => !key.includes('}')) });
    const pieces = fc.array(
      fc.oneof(
        literal.map((text) => ({ literal: text })),
        ref.map((value) => ({ ref: value })),
      ),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(pieces, (parts) => {
        // Adjacent literals are one literal.
        const merged: TemplatePart[] = [];
        for (const part of parts) {
          const last = merged.at(-1);
          if ('literal' in part && last !== undefined && 'literal' in last) last.literal += part.literal;
          else merged.push({ ...part });
        }
        if (!merged.some((part) => 'ref' in part)) return;
        const value = merged
          .map((part) => ('ref' in part ? `\${vault:${formatRef(part.ref)}}` : part.literal))
          .join('');
        const outcome = attempt('findEnvTemplates', value, () => findEnvTemplates({ APP_VALUE: value }));
        // Literals that merge into "${vault:" (say "${" then "vault:") open a reference never closed.
        if (merged.some((part) => 'literal' in part && part.literal.includes('${vault:')))
          return expect(outcome).toEqual({
            ok: false,
            message: 'unterminated reference in environment variable APP_VALUE: expected ${vault:PATH#KEY}',
          });
        expect(outcome).toEqual({
          ok: true,
          value: { templates: [{ name: 'APP_VALUE', parts: merged }], lookalikes: [] },
        });
        if (outcome.ok)
          expect(
            outcome.value.templates[0]!.parts.map((part) =>
              'ref' in part ? `\${vault:${formatRef(part.ref)}}` : part.literal,
            ).join(''),
          ).toBe(value);
      }),
      PARAMS,
    );
  });
});

// --- env names ------------------------------------------------------------------------------------

/** The POSIX portable name rule, spelled out character by character rather than as the regex under test. */
function isPortableName(name: string): boolean {
  if (name === '') return false;
  return [...name].every(
    (char, index) =>
      char === '_' ||
      (char >= 'A' && char <= 'Z') ||
      (char >= 'a' && char <= 'z') ||
      (index > 0 && char >= '0' && char <= '9'),
  );
}

describe('env names (keyToEnvName, isValidEnvName)', () => {
  test('isValidEnvName accepts exactly the portable names', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(fc.oneof(anyText(12), nearEnvName), (name) => {
        tried('isValidEnvName');
        expect(isValidEnvName(name)).toBe(isPortableName(name));
      }),
      PARAMS,
    );
  });

  test(
    'keyToEnvName always gives a valid env name that ends with the upper-cased key',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.constant(''), validEnvName), anyText(), (prefix, key) => {
          tried('keyToEnvName');
          const name = keyToEnvName(prefix, key);
          expect(
            isValidEnvName(name),
            `${JSON.stringify(prefix)} + ${JSON.stringify(key)} gave ${JSON.stringify(name)}`,
          ).toBe(true);
          expect(name.startsWith(prefix) || name.startsWith(`_${prefix}`)).toBe(true);
          // Already-clean upper-case keys come through unchanged.
          if (/^[A-Z_][A-Z0-9_]*$/.test(key)) expect(name).toBe(`${prefix}${key}`);
          // Converting a converted name again changes nothing (with an upper-case prefix).
          if (prefix === prefix.toUpperCase()) expect(keyToEnvName('', name)).toBe(name);
        }),
        PARAMS,
      );
    },
  );
});
