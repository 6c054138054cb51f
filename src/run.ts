import type { ForwardedSignal } from './child/signals';
import { withUserEnvironment } from './child/run-as';
import { spawnChild } from './child/spawn';
import { refuseProcessGroupOnTerminal } from './child/terminal';
import { runCheck } from './commands/check';
import { runEnv } from './commands/env';
import { parseCommandLine } from './cli/parse-command-line';
import type { Config, Env } from './cli/config';
import { isOutage } from './cli/fallback-policy';
import { VaultExecError } from './util/errors';
import { EXIT } from './util/exit-codes';
import { createLogger, createRedactor, type Logger, type Redactor } from './util/log';
import { isOwnToken, login, redactCredentials, type Session } from './vault/auth';
import { createVaultClient, type VaultClient } from './vault/http/client';
import { waitForVault } from './vault/wait-for-vault';
import { revokeTokens } from './running/revocation';
import { RunningPhase } from './running/running-phase';
import { unwrapSecretId } from './vault/unwrap';

export interface RunDependencies {
  env: Env;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /** Where signals go; main.ts routes process signals here once the supervisor exists. */
  onSignals(handler: (signal: ForwardedSignal) => void): void;
  isPidOne: boolean;
  /** stdin is a terminal: the child shares the terminal's foreground group (see child/signals.ts). */
  terminal?: boolean;
  /** Shared with the guarded process streams (main.ts), so library output is masked too. */
  redactor?: Redactor;
  /** stdout without the redactor, for `vault-exec env` alone (printing values is its job). */
  writeValues?(text: string): void | Promise<void>;
  stdoutIsTerminal?: boolean;
}

/** Runs the whole pipeline and returns the exit code; it never throws and never calls process.exit. */
export async function run(argv: string[], deps: RunDependencies): Promise<number> {
  let config: Config;
  let kind: 'run' | 'check' | 'env';
  const bootstrapLog = createLogger({ level: 'error', format: 'text', write: deps.writeStderr });
  try {
    const commandLine = parseCommandLine(argv, deps.env);
    if (commandLine.kind === 'exit') {
      deps.writeStdout(commandLine.stdout);
      return commandLine.code;
    }
    config = commandLine.config;
    kind = commandLine.kind;
    refuseProcessGroupOnTerminal(config, deps.terminal ?? false);
  } catch (error) {
    return reportFailure(error, bootstrapLog);
  }

  const redactor = deps.redactor ?? createRedactor();
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    write: deps.writeStderr,
    redactor,
  });
  redactCredentials(config.auth, log);
  if (config.projectFile !== undefined)
    log.info(`using the project file ${config.projectFile}`, { event: 'project-file' });

  let client: VaultClient;
  try {
    // Reads the TLS files; an unreadable or half-given one is a usage error like any other.
    client = createVaultClient({
      address: config.vaultAddr,
      namespace: config.namespace,
      tls: config.tls,
      timeoutMs: config.requestTimeoutMs,
    });
  } catch (error) {
    return reportFailure(error, log);
  }
  // No child: signals keep main.ts's default (exit at once with 128+N).
  if (kind === 'check') return check(config, client, log, deps);
  if (kind === 'env') return printEnv(config, client, log, deps);

  const phase = new RunningPhase({
    config,
    client,
    log,
    inherited: config.runAs ? withUserEnvironment(deps.env, config.runAs) : deps.env,
    terminal: deps.terminal,
    spawn: (command, env, options) =>
      spawnChild(command, env, {
        ...options,
        identity: config.runAs,
        // --mask: everything the redactor knows by now, so this child's secrets (interpolated ones,
        // the token with --pass-token, a .env fallback's values) and vault-exec's credentials.
        maskValues: config.mask ? redactor.values() : undefined,
      }),
  });
  deps.onSignals((signal) => phase.dispatchSignal(signal));
  const abort = new AbortController();
  void phase.exited.then(() => abort.abort(new Error('vault-exec is exiting')));

  let code: number | undefined;
  let failure: unknown;
  try {
    code = await Promise.race([phase.exited, startUp(config, deps, log, client, phase, abort.signal)]);
  } catch (error) {
    const phaseName = phase.supervisor.phase;
    if (phaseName === 'starting' || phaseName === 'exited') failure = error;
    else code = await phase.exited;
  }
  await phase.close();
  // Reported after clean-up, so the reason vault-exec stopped is always its last line.
  return code ?? reportFailure(failure, log);
}

/** The start-up pipeline: wait → log in → read secrets → hand over to the running phase. */
async function startUp(
  config: Config,
  deps: RunDependencies,
  log: Logger,
  client: VaultClient,
  phase: RunningPhase,
  signal: AbortSignal,
): Promise<number> {
  try {
    await waitForVault({
      client,
      timeoutMs: config.waitTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      log,
      signal,
    });
  } catch (error) {
    // `vault-exec run` in development only (dev/fallback-policy.ts): the child gets the .env file's
    // values for the mapped names, and nothing renews or watches them.
    if (config.fallbackEnv === undefined || !isOutage(error)) throw error;
    phase.beginWithoutVault(error as Error);
    return phase.exited;
  }
  // Unwrapped once: the plain secret_id is what re-logins at max TTL use.
  const auth =
    config.auth.method === 'approle' && config.auth.secretIdWrapped
      ? await unwrapSecretId(client, config.auth, log)
      : config.auth;
  const session: Session = await login(client, auth, log);
  phase.adoptToken(session, auth);
  const first = await phase.prepareFirst();
  if (deps.isPidOne) {
    log.warn(
      'running as PID 1: orphaned grandchildren will not be reaped; run the container with an init (docker run --init, compose "init: true", or tini)',
    );
  }
  phase.begin(first);
  return phase.exited;
}

/**
 * `check` and `env` start no child; they revoke the token they logged in for whatever happened, and
 * report the first failure after that, as a run does.
 */
async function runWithoutChild(
  config: Config,
  client: VaultClient,
  log: Logger,
  work: (issuedTokens: string[]) => Promise<void>,
): Promise<number> {
  const issuedTokens: string[] = [];
  let failure: unknown;
  try {
    await work(issuedTokens);
  } catch (error) {
    failure = error;
  }
  if (config.revokeToken) await revokeTokens(client, issuedTokens, log);
  return failure === undefined ? 0 : reportFailure(failure, log);
}

function check(config: Config, client: VaultClient, log: Logger, deps: RunDependencies): Promise<number> {
  return runWithoutChild(config, client, log, (issuedTokens) =>
    runCheck(config, client, log, deps.writeStdout, issuedTokens),
  );
}

function printEnv(config: Config, client: VaultClient, log: Logger, deps: RunDependencies): Promise<number> {
  const output = {
    env: deps.env,
    writeValues: deps.writeValues ?? deps.writeStdout,
    stdoutIsTerminal: deps.stdoutIsTerminal ?? false,
  };
  return runWithoutChild(config, client, log, (issuedTokens) =>
    runEnv(config, client, log, output, issuedTokens),
  );
}

function reportFailure(error: unknown, log: Logger): number {
  if (error instanceof VaultExecError) {
    log.error(error.message, { event: 'failure', exitCode: error.exitCode });
    return error.exitCode;
  }
  log.error(`internal error, please report it: ${(error as Error)?.stack ?? String(error)}`);
  return EXIT.internal;
}
