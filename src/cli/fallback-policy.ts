// Whether the .env fallback may be armed at all, decided at parse time so a refusal comes before anything
// starts: only `vault-exec run` falls back, and never where the environment says it is production.
import type { Env } from '../util/env';
import { UsageError, escapeControlCharacters, quote } from '../util/errors';

/** Any of these saying production (or staging) refuses the .env fallback outright. */
export const PRODUCTION_MARKERS = ['NODE_ENV', 'FLASK_ENV', 'APP_ENV', 'VAULT_EXEC_ENV'] as const;
const PRODUCTION_VALUES = ['production', 'prod', 'staging'];

/**
 * `check` exists to prove Vault works, so it ignores a fallback set in the project file (which `run`
 * shares) and refuses one given to it explicitly.
 */
export function checkFallbackEnvAllowed(options: {
  file: string | undefined;
  fromProjectFile: boolean;
  form: 'run' | 'check' | 'container';
  env: Env;
}): string | undefined {
  const { file, form } = options;
  if (file === undefined) return undefined;
  if (form === 'check') {
    if (options.fromProjectFile) return undefined;
    throw new UsageError(
      'check never falls back to a .env file: drop --fallback-env (VAULT_EXEC_FALLBACK_ENV)',
    );
  }
  if (form === 'container')
    throw new UsageError(
      'the .env fallback is for local development with `vault-exec run` only; the container form (vault-exec -- cmd) never falls back: drop --fallback-env',
    );
  const marker = findProductionMarker(options.env);
  if (marker !== undefined)
    throw new UsageError(
      `refusing the .env fallback: ${marker.name}=${quote(escapeControlCharacters(marker.value))} says this is not development; unset ${marker.name} or remove fallback-env`,
    );
  return file;
}

export function findProductionMarker(env: Env): { name: string; value: string } | undefined {
  for (const name of PRODUCTION_MARKERS) {
    const value = env[name]?.trim();
    if (value !== undefined && PRODUCTION_VALUES.includes(value.toLowerCase())) return { name, value };
  }
  return undefined;
}
