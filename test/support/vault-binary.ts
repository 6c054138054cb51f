import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ensureScript = fileURLToPath(new URL('../../scripts/ensure-vault-server', import.meta.url));

let cached: string | undefined;

// A cold build takes minutes, so the script runs at most once per process. Failures throw rather
// than skip: an integration run without a real server must not look green. `--pinned`: the suite
// runs against the one pinned Vault version, never whatever `vault` is installed, so CI is
// reproducible (VAULT_EXEC_SERVER_BIN still overrides it on purpose).
export function vaultBinaryPath(): string {
  if (cached !== undefined) return cached;

  let stdout: string;
  try {
    // stderr is inherited so the build's progress is visible while the (long) cold build runs.
    stdout = execFileSync(ensureScript, ['--pinned'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    const signal = (error as { signal?: string | null }).signal;
    const how = status != null ? `exit status ${status}` : signal ? `signal ${signal}` : String(error);
    throw new Error(
      `Could not obtain a Vault server binary: ${ensureScript} failed (${how}); see its stderr above.`,
      { cause: error },
    );
  }

  const lines = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const path = lines.at(-1);
  if (path === undefined) {
    throw new Error(`Could not obtain a Vault server binary: ${ensureScript} printed no path on stdout.`);
  }
  cached = path;
  return path;
}
