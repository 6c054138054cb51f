// `vault-exec env`: the start-up of a real start, then the resolved secrets are printed for the next
// steps of a CI job instead of being given to a child; only the secrets, never the inherited environment.
import { appendFileSync } from 'node:fs';
import type { Env } from '../util/env';
import { formatDuration } from '../util/duration';
import { UsageError, VaultExecError, quote } from '../util/errors';
import { EXIT } from '../util/exit-codes';
import { logsIn, type Session } from '../vault/auth';
import type { Lease } from '../vault/secrets';
import { formatGithubEnv } from './env-formats/github';
import { STDOUT_FORMATTERS, assertPrintable } from './env-formats';
import type { CommandContext, CommandDeps } from './context';
import { startUp } from './start-up';

/**
 * What was printed must stay usable after env exits: a token whose leases were printed is left to
 * expire with them (one line says when); otherwise it is revoked.
 */
export async function printEnv(context: CommandContext): Promise<number> {
  const { config, client, log, ledger, now, stop, deps } = context;
  // Both refusals come before the login: there is no point in minting a token that cannot be used.
  if (deps.stdoutIsTerminal && !config.forceTerminal)
    throw new UsageError(
      'refusing to print secret values to a terminal, where they would stay in the scrollback: redirect stdout to a file or a pipe, or add --force',
    );
  const githubEnvFile = config.envFormat === 'github' ? githubEnvPath(deps.env) : undefined;

  const started = await startUp({ config, client, log, ledger, now, signal: stop });
  const { values, interpolated } = started.secrets;
  // Before anything is printed, masks included: a value no environment can hold fails the next step.
  assertPrintable(values, config.envFormat);
  if (githubEnvFile === undefined) {
    await writeAll(deps, STDOUT_FORMATTERS[config.envFormat as keyof typeof STDOUT_FORMATTERS](values));
  } else {
    const { masks, fileText } = formatGithubEnv(values, interpolated);
    await writeAll(deps, masks);
    appendGithubEnv(githubEnvFile, fileText, deps.appendFile ?? appendFileSync);
  }
  log.info(
    `env: wrote ${values.size} variable${values.size === 1 ? '' : 's'} in the ${config.envFormat} format${githubEnvFile === undefined ? '' : ` to ${githubEnvFile}`}`,
    { event: 'env' },
  );
  const leases = ledger.heldLeases();
  if (!config.revokeToken || leases.length > 0) {
    ledger.handOver();
    if (leases.length > 0)
      log.info(describeHandedOver({ leases, ...started, tokenIsOurs: logsIn(started.auth), now: now() }));
    return 0;
  }
  await ledger.cleanUp();
  return 0;
}

/**
 * A lease ends at its TTL or with the token that read it, whichever comes first; nothing renews
 * either once env has exited. Ending them sooner names exactly this run's credentials: the token's
 * accessor (revoking it ends its leases and nothing else), or each lease, never a prefix that other
 * jobs' and the running app's credentials share.
 */
export function describeHandedOver(options: {
  leases: readonly Lease[];
  session: Session;
  issuedAt: number;
  tokenIsOurs: boolean;
  now: number;
}): string {
  const { leases, session, now } = options;
  const paths = [...new Set(leases.map((lease) => lease.path))];
  const leaseLeftMs = Math.min(...leases.map((lease) => lease.issuedAt + lease.ttlSeconds * 1000 - now));
  const tokenLeftMs = session.ttlSeconds > 0 ? options.issuedAt + session.ttlSeconds * 1000 - now : Infinity;
  const until =
    tokenLeftMs < leaseLeftMs
      ? `the login's token expires in ${formatDuration(Math.max(0, tokenLeftMs))} and ends them with it${options.tokenIsOurs ? ' (a longer token_ttl on the role keeps them longer)' : ''}`
      : `they end at their TTL, in ${formatDuration(Math.max(0, leaseLeftMs))}`;
  const sooner =
    options.tokenIsOurs && !session.batch && session.accessor !== undefined
      ? `vault token revoke -accessor ${session.accessor}`
      : leases.map((lease) => `vault lease revoke ${lease.id}`).join('; ');
  return `env: left the dynamic credentials it printed (${paths.join(', ')}) valid for the next steps: nothing renews them, ${until}; to end them sooner: ${sooner}`;
}

function githubEnvPath(env: Env): string {
  const path = env.GITHUB_ENV?.trim();
  if (!path)
    throw new UsageError(
      '--format github needs GITHUB_ENV, the file the GitHub Actions runner sets for each step: run it inside a workflow step, or use another --format',
    );
  return path;
}

function appendGithubEnv(path: string, text: string, append: (path: string, text: string) => void): void {
  try {
    append(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unwritable';
    // Like a short write to stdout: later steps would go on with some of the secrets missing.
    throw new VaultExecError(
      `cannot append to GITHUB_ENV ${quote(path)}: ${code}; later steps would miss the secrets`,
      EXIT.outputFailed,
      { cause: error },
    );
  }
}

async function writeAll(deps: CommandDeps, text: string): Promise<void> {
  try {
    await deps.writeValues(text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const why = code === 'EPIPE' ? 'the reader closed its end early' : code;
    throw new VaultExecError(
      `could not write all the values to stdout (${why}): whatever reads them got only part; read the whole output, or redirect it to a file`,
      EXIT.outputFailed,
      { cause: error },
    );
  }
}
