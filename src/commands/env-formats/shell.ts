// `--format shell`: `export NAME='value'` lines for `eval "$(vault-exec env --format shell)"` in any
// POSIX shell.
import { checkNoNul } from './env-limits';
import { checkPortableName } from './names';

/**
 * Inside single quotes nothing is special except the closing quote, so a quote is written as '\''
 * (close, an escaped quote, reopen) and every other byte, newlines included, stands for itself.
 */
export function formatShell(values: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const [name, value] of values) {
    checkPortableName(name, 'shell');
    checkNoNul(name, value, 'shell');
    lines.push(`export ${name}='${value.replaceAll("'", "'\\''")}'\n`);
  }
  return lines.join('');
}
