// Fuzzed project files: any text, and YAML built from the real keys with near-miss values. Every file
// either loads or is one UsageError line that starts with "<file>:<line>:", and a refusal of a
// secret-shaped value never quotes the value.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PROJECT_FILE_KEYS, parseProjectFile } from '../../../src/cli/project-file/parse-project-file';
import { PARAMS, TIMEOUT_MS, anyText, attempt, nearPath, reportCounts, validEnvName } from './fuzz-support';

reportCounts('project-file');

const file = { path: '/project/vault-exec.yaml', shownAs: 'vault-exec.yaml' };
const keys = [...PROJECT_FILE_KEYS, 'command', 'secert', 'token', 'config'];
const scalar = fc.oneof(
  anyText(30),
  fc.constantFrom(
    'true',
    'false',
    'null',
    '~',
    '30s',
    '1m30s',
    '-1',
    '0x10',
    '[a, b]',
    '{a: 1}',
    '"x"',
    "'y'",
  ),
  fc.tuple(validEnvName, nearPath, anyText(8)).map(([name, path, key]) => `${name}=${path}#${key}`),
  fc.constantFrom('hvs.CAESIJ0vGZtFqK3jXpYw2bN8dQ9e', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'),
);
const value = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }).map((items) => `\n${items.map((item) => `  - ${item}`).join('\n')}`),
);
const document = fc
  .array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 6 })
  .map((pairs) => pairs.map(([key, text]) => `${key}: ${text}`).join('\n'));

function checkOutcome(text: string): void {
  const outcome = attempt('project file', text, () => parseProjectFile(text, file));
  if (outcome.ok) return;
  expect(outcome.message).toMatch(/^vault-exec\.yaml:\d+: /);
  if (/ looks like /.test(outcome.message)) {
    const line = Number(/^vault-exec\.yaml:(\d+):/.exec(outcome.message)![1]);
    const source = text.split('\n')[line - 1] ?? '';
    const refused = source.replace(/^[^:]*:\s*|^\s*-\s*/, '').trim();
    if (refused.length >= 12) expect(outcome.message).not.toContain(refused);
  }
}

describe('project files', () => {
  test(
    'any text loads or is one line naming the file and line',
    () => fc.assert(fc.property(anyText(200), checkOutcome), PARAMS),
    TIMEOUT_MS,
  );
  test(
    'files of real keys with near-miss values load or are one line naming the file and line',
    () => fc.assert(fc.property(document, checkOutcome), PARAMS),
    TIMEOUT_MS,
  );
});
