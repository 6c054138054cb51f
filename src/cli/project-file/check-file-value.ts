import { isAbsolute, resolve } from 'node:path';
import { parseDuration } from '../../util/duration';
import { UsageError, escapeControlCharacters, quote } from '../../util/errors';
import { parsePathImport, parseSecretMapping } from '../secret-references';
import { describeSecretShape } from './looks-like-secret';

/** How a value is checked, read from the flag's placeholder: `--watch <interval>` takes a duration. */
export type ValueShape = 'duration' | 'url' | 'path' | 'secret-mapping' | 'path-import' | 'free';

const SHAPE_OF_PLACEHOLDER: Record<string, ValueShape> = {
  duration: 'duration',
  interval: 'duration',
  url: 'url',
  path: 'path',
  file: 'path',
  'NAME=PATH#KEY': 'secret-mapping',
  '[PREFIX=]PATH': 'path-import',
};

export function shapeOfPlaceholder(placeholder: string | undefined): ValueShape {
  return (placeholder !== undefined && SHAPE_OF_PLACEHOLDER[placeholder]) || 'free';
}

const PUT_IT_IN_VAULT =
  'a project file holds references only: put the value in Vault (vault kv put) and reference it, e.g. secret: [DB_PASSWORD=secret/app/db#password]';

/**
 * Checks one value from the file and returns it as the command line would have given it (paths
 * resolved against the file's directory, so the file works from any subdirectory). `at` is
 * "vault-exec.yaml:4" for the message. A value refused as secret-looking is never quoted.
 */
export function checkFileValue(
  value: string,
  options: { shape: ValueShape; choices?: readonly string[]; at: string; key: string; baseDir: string },
): string {
  const { shape, at, key } = options;
  const secretShape = describeSecretShape(value);
  if (secretShape !== undefined)
    throw new UsageError(
      `${at}: the value of ${quote(key)} looks like ${secretShape}, not a ${describeShape(shape)}; ${PUT_IT_IN_VAULT}`,
    );
  if (options.choices && !options.choices.includes(value))
    throw new UsageError(
      `${at}: ${quote(key)} must be one of ${options.choices.join(', ')}, not ${quote(escapeControlCharacters(value))}`,
    );
  try {
    switch (shape) {
      case 'duration':
        parseDuration(value, quote(key));
        return value;
      case 'url':
        checkUrl(value);
        return value;
      case 'path':
        if (value.trim() === '') throw new UsageError('the path is empty');
        return isAbsolute(value) ? value : resolve(options.baseDir, value);
      case 'secret-mapping':
        // A Vault path always has a mount and a name: "DB_PASSWORD=hunter2#x" is a value, not a path.
        if (!/^[^=]*=[^#]*[^/#]\/[^#]+#/.test(value))
          throw new UsageError(`an entry is not a NAME=PATH#KEY reference; ${PUT_IT_IN_VAULT}`);
        parseSecretMapping(value);
        return value;
      case 'path-import':
        if (!parsePathImport(value).path.includes('/'))
          throw new UsageError(`an entry is not a [PREFIX=]PATH reference; ${PUT_IT_IN_VAULT}`);
        return value;
      case 'free':
        return value;
    }
  } catch (error) {
    if (error instanceof UsageError)
      throw new UsageError(`${at}: ${quote(key)}: ${error.message}`, { cause: error });
    throw error;
  }
}

function checkUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('expected a URL such as https://vault.example.com:8200');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('the scheme must be http or https');
}

export function describeShape(shape: ValueShape): string {
  switch (shape) {
    case 'duration':
      return 'duration';
    case 'url':
      return 'Vault address';
    case 'path':
      return 'file path';
    case 'secret-mapping':
      return 'NAME=PATH#KEY reference';
    case 'path-import':
      return '[PREFIX=]PATH reference';
    case 'free':
      return 'flag value';
  }
}
