// --fallback-env: when Vault is down in development, the child starts with the mapped names from a .env
// file instead, and says so; only an outage qualifies, never a mistake to fix.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { buildChildEnv } from '../running/child-env';
import type { Config } from '../cli/config';
import type { Env } from '../util/env';
import { VaultUnavailableError } from '../util/errors';
import { VaultNotReadyError } from '../vault/wait-for-vault';
import type { Logger } from '../util/log';

/** Set in the child's environment when its secrets came from the .env fallback, so the app can show it. */
export const FALLBACK_MARKER = 'VAULT_EXEC_FALLBACK';

export interface FallbackSelection {
  values: Map<string, string>;
  /** Names the configuration maps that the .env file does not have. */
  missing: string[];
  /** `--secrets PATH` imports without a prefix: their names are only known to Vault. */
  unmappable: string[];
}

/**
 * The child gets only what the configuration would have given it from Vault, never the whole file:
 * the --secret names, the variables holding vault: references, and for a --secrets import with a
 * prefix every name of the file that starts with that prefix (Vault would have named them so).
 */
export function selectMappedNames(
  dotenv: Record<string, string>,
  config: Pick<Config, 'secrets' | 'pathImports' | 'templates'>,
): FallbackSelection {
  const selection: FallbackSelection = { values: new Map(), missing: [], unmappable: [] };
  const take = (name: string): void => {
    if (Object.hasOwn(dotenv, name)) selection.values.set(name, dotenv[name]!);
    else selection.missing.push(name);
  };
  for (const { path, prefix } of config.pathImports) {
    if (prefix === '') {
      selection.unmappable.push(path);
      continue;
    }
    const names = Object.keys(dotenv).filter((name) => name.startsWith(prefix));
    if (names.length === 0) selection.missing.push(`${prefix}*`);
    names.forEach(take);
  }
  for (const { name } of config.templates) take(name);
  for (const { name } of config.secrets) take(name);
  return selection;
}

/**
 * The child's environment when Vault is down in development: the mapped names from the .env file,
 * VAULT_EXEC_FALLBACK=1, and a warning saying so on every start. Variables holding vault:
 * references that the file cannot fill are dropped rather than passed on unresolved.
 */
export function buildFallbackChildEnv(options: {
  config: Config;
  inherited: Env;
  outage: Error;
  log: Logger;
}): Record<string, string> {
  const { config, log } = options;
  const file = config.fallbackEnv!;
  const selection = selectMappedNames(readDotenv(file, options.outage), config);
  for (const value of selection.values.values()) log.redact(value);
  const names = [...selection.values.keys()];
  log.warn(
    `development fallback: starting the child with ${names.length === 0 ? 'no variables' : names.join(', ')} from ${file} because ${options.outage.message}; nothing is renewed or watched in this mode, and the child sees ${FALLBACK_MARKER}=1`,
    { event: 'fallback', file },
  );
  if (selection.missing.length > 0)
    log.warn(`the fallback ${file} does not define ${selection.missing.join(', ')}`, { event: 'fallback' });
  for (const path of selection.unmappable)
    log.warn(`--secrets ${path} has no prefix, so the fallback cannot tell its names: none are given`);

  const inherited = { ...options.inherited };
  for (const { name } of config.templates) if (!selection.values.has(name)) delete inherited[name];
  const env = buildChildEnv({ inherited, secrets: selection.values, templates: config.templates, log });
  env[FALLBACK_MARKER] = '1';
  return env;
}

/** Node's own dotenv parser (Node ≥ 20.12): quotes, comments, `export`, multi-line double quotes. */
function readDotenv(file: string, outage: Error): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new VaultUnavailableError(
      `${outage.message}; the development fallback ${file} cannot be read either (${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')})`,
      { cause: error },
    );
  }
  if (typeof parseEnv !== 'function')
    throw new VaultUnavailableError(`${outage.message}; the development fallback needs Node 20.12 or later`);
  return parseEnv(text) as Record<string, string>;
}

/**
 * Only an outage qualifies: Vault unreachable, sealed or not initialised until --wait-timeout. A
 * certificate problem, a rejected login, 403 or 404 are mistakes to fix, and falling back would hide them.
 */
export function isOutage(error: unknown): boolean {
  return error instanceof VaultNotReadyError;
}
