// `--format dotenv`: `NAME=value` lines for three readers that disagree on most of the syntax, the
// `dotenv` package, Node's `util.parseEnv` / `--env-file`, and Docker Compose.
import { checkNoNul } from './env-limits';
import { checkPortableName, refuseValue } from './names';

// Compose reads `--env-file` and `env_file:` alike, with compose-go's dotenv. A value is written in the
// first form all three read back exactly:
//   'value'  Node and dotenv keep everything literal; Compose does too, except that it reads \' as an
//            escaped quote, so a final \ would eat the closing quote (and dotenv's pattern then runs on
//            to a later ' and swallows the next variables). No ', no final \.
//   "value"  dotenv turns \n and \r into line breaks, Node \n, Compose every C escape; Compose also
//            expands $VAR and ${VAR}. No ", no \, no $.
//   value    one line, cut at # by dotenv and Node (at " #" by Compose) and trimmed at both ends; a
//            leading quote makes it a quoted value; Compose expands $. No line break, #, $, space at
//            either end or quote first. This is what carries a value holding both ' and ".
// Backticks are not used: dotenv and Node read them as quotes, Compose keeps them in the value.
// Neither Node nor dotenv keeps a carriage return (Node drops it, dotenv makes it a newline).

export function formatDotenv(values: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const [name, value] of values) {
    checkPortableName(name, 'dotenv');
    checkNoNul(name, value, 'dotenv');
    lines.push(`${name}=${quoteForDotenv(name, value)}\n`);
  }
  return lines.join('');
}

function quoteForDotenv(name: string, value: string): string {
  if (value.includes('\r'))
    refuseValue(
      name,
      'dotenv',
      'its value contains a carriage return, which dotenv parsers do not keep',
      '--format shell or json',
    );
  const notSingle = value.includes("'") ? "a '" : value.endsWith('\\') ? 'a \\ at its end' : undefined;
  if (notSingle === undefined) return `'${value}'`;
  const notDouble = /["\\$]/.exec(value)?.[0];
  if (notDouble === undefined) return `"${value}"`;
  const notPlain = whyNotUnquoted(value);
  if (notPlain === undefined) return value;
  return refuseValue(
    name,
    'dotenv',
    `its value has ${notSingle} (so not '…'), a ${notDouble} (so not "…") and ${notPlain} (so not unquoted): no quoting reads back the same in the dotenv package, Node and Docker Compose`,
    '--format shell or json',
  );
}

/** Why a value cannot stand unquoted, or undefined when all three readers keep it as it is. */
function whyNotUnquoted(value: string): string | undefined {
  if (/[\n#$]/.test(value)) return /\n/.test(value) ? 'a line break' : `a ${/[#$]/.exec(value)![0]}`;
  // JavaScript's \s covers what dotenv and Node trim; U+0085 is Go's (Compose's) own addition.
  if (/^[\s\u0085]|[\s\u0085]$/.test(value)) return 'a space at one end';
  if (/^['"`]/.test(value)) return 'a quote first';
  return undefined;
}
