// The names a shell or an env-file parser can read, and the one-line refusal of what a format cannot
// carry: it names the variable, never the value.
import { UsageError, escapeControlCharacters, quote } from '../../util/errors';
import { isValidEnvName } from '../../cli/secret-references';

/**
 * The formats that are read by a shell or an env-file parser need names those can read: a letter or
 * "_", then letters, digits or "_". Names from --secret and --secrets always are; a name taken from
 * the inherited environment (a `vault:` reference) may not be.
 */
export function checkPortableName(name: string, format: string): void {
  if (!isValidEnvName(name))
    throw new UsageError(
      `cannot write variable ${quote(escapeControlCharacters(name))} in the ${format} format: its name is not a letter or _ followed by letters, digits or _; rename it or use --format json`,
    );
}

/** The one-line refusal for a value the format cannot carry; it names the variable, never the value. */
export function refuseValue(name: string, format: string, reason: string, instead: string): never {
  throw new UsageError(`cannot write ${name} in the ${format} format: ${reason}; use ${instead}`);
}
