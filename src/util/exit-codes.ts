// The documented exit codes (README "Exit codes"). A child's own code, or 128+N when it died of
// signal N, passes through unchanged; these are the codes vault-exec itself chooses. `--help` lists
// them from this table, with the words given here.
export const EXIT_CODES = [
  { name: 'usage', code: 64, help: 'usage' },
  // EX_DATAERR: a secret's value cannot be passed in an environment.
  {
    name: 'childEnvUnusable',
    code: 65,
    help: 'a secret cannot be passed in the environment (over 128 KiB, or a NUL byte)',
  },
  { name: 'vaultUnavailable', code: 69, help: 'Vault not ready' },
  { name: 'internal', code: 70, help: 'internal error' },
  // EX_CANTCREAT: --file, --template or --certificate cannot write into --files-dir.
  { name: 'filesUnwritable', code: 73, help: 'a secret file cannot be written' },
  // EX_IOERR: the reader of `vault-exec env` went away, or the disk is full.
  { name: 'outputFailed', code: 74, help: 'env could not write its output' },
  { name: 'renewalFailed', code: 75, help: 'renewal failed' },
  { name: 'permissionDenied', code: 77, help: 'auth/permission denied' },
  { name: 'secretNotFound', code: 78, help: 'secret path or key not found' },
  { name: 'cannotExecute', code: 126, help: 'not executable' },
  { name: 'commandNotFound', code: 127, help: 'command not found' },
] as const;

type ExitRow = (typeof EXIT_CODES)[number];

export const EXIT = Object.fromEntries(EXIT_CODES.map((row) => [row.name, row.code])) as {
  readonly [Row in ExitRow as Row['name']]: Row['code'];
};
