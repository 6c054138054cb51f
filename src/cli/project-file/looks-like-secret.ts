// A project file is committed to the repository, so it may hold references (paths, PATH#KEY, file names,
// durations, addresses) but never a credential: this tells the two apart, before anything else looks.

/** Shapes credentials take that no flag value legitimately has. */
const CREDENTIAL_SHAPES: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /^(hv[sbr]|[sbr])\.[A-Za-z0-9_-]{16,}/, what: 'a Vault token' },
  { pattern: /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, what: 'a JWT' },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key' },
  // What AppRole role_ids and secret_ids look like.
  {
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    what: 'a role_id or secret_id',
  },
  { pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, what: 'an address with a password in it' },
];

/**
 * Random keys (API keys, hex or base64 passwords) are long runs of letters and digits with no word
 * separators; paths, names and references are short words joined by "/", "-", "_" or ".".
 */
const RANDOM_RUN_LENGTH = 20;

/** Returns what the value looks like ("a Vault token"), or undefined when it looks like a reference. */
export function describeSecretShape(value: string): string | undefined {
  for (const { pattern, what } of CREDENTIAL_SHAPES) if (pattern.test(value)) return what;
  if (/[\r\n]/.test(value.trim())) return 'a multi-line value';
  const longestRun = Math.max(0, ...(value.match(/[A-Za-z0-9+]+/g) ?? []).map((run) => run.length));
  if (longestRun >= RANDOM_RUN_LENGTH && /[0-9]/.test(value) && /[A-Za-z]/.test(value))
    return 'a random key or password';
  return undefined;
}
