// Checks one value of the project file against the shape its key takes, and returns it as the command
// line would have given it.
import { isAbsolute, resolve } from 'node:path';
import { parseDuration } from '../../util/duration';
import { UsageError, escapeControlCharacters, quote } from '../../util/errors';
import type { ValueShape } from '../options';
import { parseTemplateSpec } from '../file-outputs';
import { parsePathImport, parseSecretMapping } from '../secret-references';
import { describeSecretShape } from './looks-like-secret';

const PUT_IT_IN_VAULT =
  'a project file holds references only: put the value in Vault (vault kv put) and reference it, e.g. secret: [DB_PASSWORD=secret/app/db#password]';

/**
 * Paths are resolved against the file's directory, so the file works from any subdirectory. `at` is
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
      `${at}: the value of ${quote(key)} looks like ${secretShape}, not ${describeShape(shape, options.choices)}; ${PUT_IT_IN_VAULT}`,
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
      case 'template': {
        // SRC is a file next to the project file, like any path; DEST a name in --files-dir.
        const { source, dest } = parseTemplateSpec(value);
        return `${isAbsolute(source) ? source : resolve(options.baseDir, source)}:${dest}`;
      }
      case 'choice':
      case 'free':
        return value;
      case 'boolean':
        throw new UsageError('takes true or false');
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

/** "a duration", "one of text, json": what a key takes, for the messages. */
export function describeShape(shape: ValueShape, choices?: readonly string[]): string {
  switch (shape) {
    case 'duration':
      return 'a duration';
    case 'url':
      return 'a Vault address';
    case 'path':
      return 'a file path';
    case 'secret-mapping':
      return 'a NAME=PATH#KEY reference';
    case 'path-import':
      return 'a [PREFIX=]PATH reference';
    case 'template':
      return 'a SRC:DEST template';
    case 'choice':
      return choices === undefined ? 'a flag value' : `one of ${choices.join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'free':
      return 'a flag value';
  }
}
