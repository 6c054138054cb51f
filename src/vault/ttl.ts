// TTLs as Vault sends them.

/**
 * Whole seconds, never negative. Anything else (missing, a string, NaN) is undefined: a damaged
 * answer, which must not be read as "never expires" or "granted less".
 */
export function parseTtlSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
