// The documented exit codes (README "Exit codes"). A child's own code, or 128+N when it died of
// signal N, passes through unchanged; these are the codes vault-exec itself chooses.
export const EXIT = {
  usage: 64,
  /** EX_DATAERR: a secret's value cannot be passed in an environment (too large, or a NUL byte). */
  childEnvUnusable: 65,
  vaultUnavailable: 69,
  internal: 70,
  /** EX_IOERR: `vault-exec env` could not write all it printed (the reader went away, a full disk). */
  outputFailed: 74,
  renewalFailed: 75,
  permissionDenied: 77,
  secretNotFound: 78,
  cannotExecute: 126,
  commandNotFound: 127,
} as const;
