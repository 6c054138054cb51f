import { checkNoNul, checkPortableName, refuseValue } from './names';

/**
 * `NAME='value'` lines, read back exactly by the `dotenv` package and by Node's `util.parseEnv` /
 * `--env-file`. Both parsers treat the three quote characters alike: single quotes and backticks
 * keep everything literal, newlines included; double quotes turn the two characters `\n` into a line
 * break. So the first quote character the value does not contain is used, and double quotes only
 * when the value holds no backslash. Neither parser can keep a carriage return (dotenv turns it into
 * a newline, Node drops it), so such values are refused.
 */
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
      'shell or json',
    );
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('`')) return `\`${value}\``;
  if (!value.includes('"') && !value.includes('\\')) return `"${value}"`;
  // Double quotes fail on a `"`, or on a backslash, which they may read as an escape (\n).
  const why = value.includes('"')
    ? 'its value contains all three quote characters (\', ", `), which no dotenv quoting can hold'
    : "its value contains both ' and `, and a backslash, which no dotenv quoting can hold";
  return refuseValue(name, 'dotenv', why, '--format shell or json');
}
