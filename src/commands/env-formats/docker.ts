import { checkNoNul, checkPortableName, refuseValue } from './names';

/**
 * `NAME=value` lines for `docker run --env-file` (and compose's `env_file` in its raw form): docker
 * reads everything after the first "=" to the end of the line literally, with no quoting, no escapes
 * and no way to continue a value on the next line. Any value is carried except one with a line break.
 */
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
    lines.push(`${name}=${value}\n`);
  }
  return lines.join('');
}
