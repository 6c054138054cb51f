// Prometheus' own promtool (scripts/ensure-promtool builds the pinned one once, cached outside the
// repository): the metrics tests check real scrapes and the alert rules with it, never with a parser
// of our own. Failures throw rather than skip, as the Vault server's do.
import { spawnSync } from 'node:child_process';
import { ensuredPath } from './ensure-script';

export function promtoolPath(): string {
  return ensuredPath('ensure-promtool', 'promtool');
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
