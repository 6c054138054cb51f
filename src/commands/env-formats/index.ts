// `vault-exec env --format`: how the resolved secrets are printed for the next steps of a job.
import { formatDocker } from './docker';
import { formatDotenv } from './dotenv';
import { formatJson } from './json';
import { formatShell } from './shell';
import type { EnvFormat } from '../../cli/config';

export { assertPrintable } from './env-limits';

export { ENV_FORMATS, type EnvFormat } from '../../cli/config';

/** The formats printed to stdout; `github` instead appends to $GITHUB_ENV (see github.ts). */
export const STDOUT_FORMATTERS: Record<
  Exclude<EnvFormat, 'github'>,
  (values: ReadonlyMap<string, string>) => string
> = {
  dotenv: formatDotenv,
  docker: formatDocker,
  json: formatJson,
  shell: formatShell,
};
