// Prometheus' own promtool (scripts/ensure-promtool builds the pinned one once, cached outside the
// repository): the metrics tests check real scrapes and the alert rules with it, never with a parser
// of our own. Failures throw rather than skip, as the Vault server's do.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ensureScript = fileURLToPath(new URL('../../scripts/ensure-promtool', import.meta.url));
let cached: string | undefined;

export function promtoolPath(): string {
  if (cached !== undefined) return cached;
  let stdout: string;
  try {
    // stderr is inherited so a cold build's progress is visible.
    stdout = execFileSync(ensureScript, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  } catch (error) {
    throw new Error(`Could not obtain promtool: ${ensureScript} failed; see its stderr above.`, {
      cause: error,
    });
  }
  const path = stdout.trim().split('\n').at(-1);
  if (!path) throw new Error(`Could not obtain promtool: ${ensureScript} printed no path on stdout.`);
  cached = path;
  return path;
}

export interface PromtoolResult {
  code: number | null;
  output: string;
}

/** `promtool <args>`, with `input` on stdin; stdout and stderr together, as promtool splits them oddly. */
export function promtool(args: string[], input?: string): PromtoolResult {
  const result = spawnSync(promtoolPath(), args, { input, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
