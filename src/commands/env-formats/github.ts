// `--format github`, in two halves: the `::add-mask::` lines for stdout, and the `NAME<<DELIMITER`
// blocks for $GITHUB_ENV.
import { checkNoNul } from './env-limits';
import { checkPortableName, refuseValue } from './names';

/**
 * The runner reads `$GITHUB_ENV` as `NAME<<DELIMITER`, the value's lines, then a line holding only the
 * delimiter; the value is everything between, with the line break before the delimiter removed (a
 * "\r\n" there counts as one line break, so a value ending in "\r" is refused). The delimiter is random
 * and checked against the value, so no value can end its own block early and inject variables of its
 * choosing.
 *
 * The masks come first: the runner masks secrets line by line, and only in output printed after it
 * saw `::add-mask::`, so every line of every value is registered before any step can see a value.
 */
export function formatGithubEnv(
  values: ReadonlyMap<string, string>,
  /** Secrets inside longer values (a password in a URL), masked on their own too. */
  alsoMask: readonly string[] = [],
  makeDelimiter: () => string = randomDelimiter,
): { masks: string; fileText: string } {
  const masks: string[] = [];
  const blocks: string[] = [];
  for (const value of alsoMask)
    for (const line of maskedLines(value)) masks.push(`::add-mask::${escapeCommandData(line)}\n`);
  for (const [name, value] of values) {
    checkPortableName(name, 'github');
    checkNoNul(name, value, 'github');
    if (value.endsWith('\r'))
      refuseValue(
        name,
        'github',
        'its value ends with a carriage return, which the runner drops',
        '--format json',
      );
    for (const line of maskedLines(value)) masks.push(`::add-mask::${escapeCommandData(line)}\n`);
    const delimiter = pickDelimiter(value, makeDelimiter);
    blocks.push(`${name}<<${delimiter}\n${value}\n${delimiter}\n`);
  }
  return { masks: masks.join(''), fileText: blocks.join('') };
}

/** Each line, and its trimmed form when that differs: the runner registers exactly the text it gets. */
export function maskedLines(value: string): string[] {
  const lines = new Set<string>();
  for (const line of value.split(/\r?\n/)) {
    if (line.trim() === '') continue; // the runner refuses to mask blank text
    lines.add(line);
    lines.add(line.trim());
  }
  return [...lines];
}

/** Workflow-command data is percent-escaped (as @actions/core's escapeData does); the runner undoes it. */
function escapeCommandData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function pickDelimiter(value: string, makeDelimiter: () => string): string {
  for (;;) {
    const delimiter = makeDelimiter();
    if (!value.includes(delimiter)) return delimiter;
  }
}

function randomDelimiter(): string {
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto'); // loaded only here
  return `VAULT_EXEC_EOF_${randomBytes(16).toString('hex')}`;
}
