import { appendFileSync } from 'node:fs';
import type { Config } from '../cli/config';
import type { Env } from '../util/env';
import { UsageError, VaultExecError, quote } from '../util/errors';
import { EXIT } from '../util/exit-codes';
import { formatGithubEnv } from './env-formats/github';
import { STDOUT_FORMATTERS, assertPrintable } from './env-formats';
import type { Logger } from '../util/log';
import { isOwnToken, login } from '../vault/auth';
import type { VaultClient } from '../vault/http/client';
import { waitForVault } from '../vault/wait-for-vault';
import { readSecrets } from '../vault/secrets';
import { unwrapSecretId } from '../vault/unwrap';

export interface EnvOutput {
  env: Env;
  /** stdout without the redactor: printing values is this command's job. Settles once written. */
  writeValues(text: string): void | Promise<void>;
  stdoutIsTerminal: boolean;
  appendFile?: (path: string, text: string) => void;
}

/**
 * `vault-exec env`: the start-up steps of a real start (wait, log in, read every path with the same
 * mappings, imports and references), then the resolved secrets are printed for the next steps of a
 * CI job instead of being given to a child. Only the secret variables are printed, never the inherited
 * environment. The caller revokes the token afterwards, so nothing printed can be used to log in.
 */
export async function runEnv(
  config: Config,
  client: VaultClient,
  log: Logger,
  output: EnvOutput,
  issuedTokens: string[],
): Promise<void> {
  // Both refusals come before the login: there is no point in minting a token that cannot be used.
  if (output.stdoutIsTerminal && !config.forceTerminal)
    throw new UsageError(
      'refusing to print secret values to a terminal, where they would stay in the scrollback: redirect stdout to a file or a pipe, or add --force',
    );
  const githubEnvFile = config.envFormat === 'github' ? githubEnvPath(output.env) : undefined;

  await waitForVault({
    client,
    timeoutMs: config.waitTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    log,
  });
  // A wrapped secret_id is unwrapped as a start would: env is a real consumer of it, not a preflight.
  const auth =
    config.auth.method === 'approle' && config.auth.secretIdWrapped
      ? await unwrapSecretId(client, config.auth, log)
      : config.auth;
  const session = await login(client, auth, log);
  // Revoked by the caller, even when a read below fails; a token the user gave is never revoked.
  if (isOwnToken(auth)) issuedTokens.push(session.token);
  const { values, interpolated } = await readSecrets({
    client,
    token: session.token,
    mappings: config.secrets,
    imports: config.pathImports,
    templates: config.templates,
    log,
  });

  assertPrintable(values, config.envFormat);
  if (githubEnvFile === undefined) {
    await writeAll(output, STDOUT_FORMATTERS[config.envFormat as keyof typeof STDOUT_FORMATTERS](values));
  } else {
    const { masks, fileText } = formatGithubEnv(values, interpolated);
    await writeAll(output, masks);
    appendGithubEnv(githubEnvFile, fileText, output.appendFile ?? appendFileSync);
  }
  log.info(
    `env: wrote ${values.size} variable${values.size === 1 ? '' : 's'} in the ${config.envFormat} format${githubEnvFile === undefined ? '' : ` to ${githubEnvFile}`}`,
    { event: 'env' },
  );
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

async function writeAll(output: EnvOutput, text: string): Promise<void> {
  try {
    await output.writeValues(text);
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
