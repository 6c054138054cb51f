import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ensureScript = fileURLToPath(new URL('../../scripts/ensure-postgres', import.meta.url));

let cached: string | undefined;

// An install from apt takes a while and takes apt's lock, so the script runs at most once per
// process (globalSetup runs it once per vitest run). Failures throw: a run without a real
// PostgreSQL must not look green.
export function postgresBinDir(): string {
  if (cached !== undefined) return cached;

  let stdout: string;
  try {
    stdout = execFileSync(ensureScript, [], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    throw new Error(
      `Could not obtain PostgreSQL: ${ensureScript} failed (${status != null ? `exit status ${status}` : String(error)}); see its stderr above.`,
      { cause: error },
    );
  }
  const dir = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
  if (dir === undefined)
    throw new Error(`Could not obtain PostgreSQL: ${ensureScript} printed nothing on stdout.`);
  cached = dir;
  return dir;
}
