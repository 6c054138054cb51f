// `--format docker`: `NAME=value` lines for `docker run --env-file` (and Compose's `env_file:` with
// `format: raw`, the same code, docker/cli's kvfile).
import { checkNoNul } from './env-limits';
import { checkPortableName, refuseValue } from './names';

// docker reads everything after the first "=" to the end of the line literally, with no quoting, no
// escapes and no way to continue a value on the next line. It reads lines with Go's bufio.Scanner,
// whose 64 KiB buffer must hold a line and its line break, so a longer line fails the whole file. Any
// value is carried except one with a line break or one that long.

/** The longest line, without its line break, that docker's reader accepts. */
const LONGEST_LINE_BYTES = 64 * 1024 - 1;

export function formatDocker(values: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const [name, value] of values) {
    checkPortableName(name, 'docker');
    checkNoNul(name, value, 'docker');
    if (/[\r\n]/.test(value))
      refuseValue(
        name,
        'docker',
        'its value spans several lines, which docker --env-file cannot read',
        '--format dotenv, shell or json',
      );
    const line = `${name}=${value}`;
    const bytes = Buffer.byteLength(line);
    if (bytes > LONGEST_LINE_BYTES)
      refuseValue(
        name,
        'docker',
        `its line is ${bytes} bytes, over the ${LONGEST_LINE_BYTES} that docker --env-file reads`,
        '--format dotenv, shell or json',
      );
    lines.push(`${line}\n`);
  }
  return lines.join('');
}
