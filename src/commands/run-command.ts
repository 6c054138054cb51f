// What a command does once its configuration is resolved: `run` starts and supervises the child,
// `check` and `env` end the same start-up differently. run.ts hands over here.
import { withUserEnvironment } from '../child/run-as';
import type { ForwardedSignal } from '../child/signals';
import { spawnChild } from '../child/spawn';
import type { Config } from '../cli/config';
import type { Env } from '../util/env';
import { type Logger, type Redactor } from '../util/log';
import { reportFailure } from '../util/report-failure';
import { isOutage } from '../cli/fallback-policy';
import { isOwnToken, login, type Session } from '../vault/auth';
import { createVaultClient, type VaultClient } from '../vault/http/client';
import { waitForVault } from '../vault/wait-for-vault';
import { revokeTokens } from '../running/revocation';
import { RunningPhase } from '../running/running-phase';
import { unwrapSecretId } from '../vault/unwrap';
import { runCheck } from './check';
import { runEnv } from './env';

export type CommandName = 'run' | 'check' | 'env';

/** Everything a command touches outside itself, injectable so that tests can drive run() in-process. */
export interface CommandDeps {
  env: Env;
  writeStdout(text: string): void;
  /** Where signals go; main.ts routes process signals here once the supervisor exists. */
  onSignals(handler: (signal: ForwardedSignal) => void): void;
  isPidOne: boolean;
  /** stdin is a terminal: the child shares the terminal's foreground group (see child/signals.ts). */
  terminal: boolean;
  /** stdout without the redactor, for `vault-exec env` alone (printing values is its job). */
  writeValues(text: string): void | Promise<void>;
  stdoutIsTerminal: boolean;
  createVaultClient: typeof createVaultClient;
}

export async function runCommand(
  kind: CommandName,
  config: Config,
  log: Logger,
  redactor: Redactor,
  deps: CommandDeps,
): Promise<number> {
  let client: VaultClient;
  try {
    // Reads the TLS files; an unreadable or half-given one is a usage error like any other.
    client = deps.createVaultClient({
      address: config.vaultAddr,
      namespace: config.namespace,
      tls: config.tls,
      timeoutMs: config.requestTimeoutMs,
      env: deps.env,
      log,
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
  deps: CommandDeps,
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
    // `vault-exec run` in development only (cli/fallback-policy.ts): the child gets the .env file's
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

function check(config: Config, client: VaultClient, log: Logger, deps: CommandDeps): Promise<number> {
  return runWithoutChild(config, client, log, (issuedTokens) =>
    runCheck(config, client, log, deps.writeStdout, issuedTokens),
  );
}

function printEnv(config: Config, client: VaultClient, log: Logger, deps: CommandDeps): Promise<number> {
  const output = {
    env: deps.env,
    writeValues: deps.writeValues,
    stdoutIsTerminal: deps.stdoutIsTerminal,
  };
  return runWithoutChild(config, client, log, (issuedTokens) =>
    runEnv(config, client, log, output, issuedTokens),
  );
}
