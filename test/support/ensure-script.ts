// The real components the tests need come from scripts/ensure-*: each installs or builds one (minutes
// when cold, cached outside the repository) and prints where it is as its last line on stdout.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string>();

/**
 * What `scripts/<script> <args>` prints last on stdout, the script run at most once per process. Its
 * stderr is inherited so a cold build shows its progress. A failure throws, never skips: a run without
 * the real component must not look green.
 */
export function ensuredPath(script: string, what: string, args: string[] = []): string {
  const key = [script, ...args].join(' ');
  const known = found.get(key);
  if (known !== undefined) return known;
  const path = fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url));
  let stdout: string;
  try {
    stdout = execFileSync(path, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  } catch (error) {
    const { status, signal } = error as { status?: number | null; signal?: string | null };
    const how = status != null ? `exit status ${status}` : signal ? `signal ${signal}` : String(error);
    throw new Error(`Could not obtain ${what}: ${path} failed (${how}); see its stderr above.`, {
      cause: error,
    });
  }
  const last = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
  if (last === undefined) throw new Error(`Could not obtain ${what}: ${path} printed no path on stdout.`);
  found.set(key, last);
  return last;
}
