import type { ForwardedSignal } from './child/signals';
import { assertChildEnvFits } from './child/env-limits';
import { withUserEnvironment } from './child/run-as';
import { spawnChild } from './child/spawn';
import { createSupervisor, type Supervisor } from './child/supervisor-shell';
import { refuseProcessGroupOnTerminal } from './child/terminal';
import { runCheck } from './check';
import { runEnv } from './commands/env';
import { buildChildEnv } from './child-env';
import { parseCommandLine } from './cli';
import type { Config, Env } from './config';
import { buildFallbackChildEnv } from './dev/fallback-env';
import { isOutage } from './dev/fallback-policy';
import { VaultExecError } from './errors';
import { EXIT } from './exit-codes';
import { createLogger, type Logger, type Redactor } from './log';
import { isOwnToken, login, redactCredentials, type Session } from './vault/auth';
import { createVaultClient, type VaultClient } from './vault/client';
import { waitForVault } from './vault/health';
import { watchLeases, watchToken } from './vault/watch';
import { readSecrets } from './vault/secrets';
import { watchSecretVersions } from './vault/rotation';
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

  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    write: deps.writeStderr,
    redactor: deps.redactor,
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

  // The pipeline fills this in once it knows how to read secrets; the supervisor calls it on a restart.
  const respawn: RespawnHook = {};
  // --mask: what each new child's output is masked with; launch() sets it from the secrets it read.
  const masked = { values: [] as string[] };
  const supervisor = createSupervisor({
    killTimeoutMs: config.killTimeoutMs,
    log,
    terminal: deps.terminal,
    processGroup: config.processGroup,
    onRespawn: () => respawn.run?.(),
    spawn: (command, env, options) =>
      spawnChild(command, env, {
        ...options,
        identity: config.runAs,
        maskValues: config.mask ? masked.values : undefined,
      }),
  });
  deps.onSignals((signal) => supervisor.dispatch({ type: 'signal', signal }));
  const abort = new AbortController();
  void supervisor.exited.then(() => abort.abort(new Error('vault-exec is exiting')));

  const issuedTokens: string[] = [];
  const stopWatchers: Array<() => void> = [];
  let code: number | undefined;
  let failure: unknown;
  try {
    const context = {
      config,
      deps,
      log,
      client,
      supervisor,
      respawn,
      signal: abort.signal,
      issuedTokens,
      stopWatchers,
      masked,
    };
    code = await Promise.race([supervisor.exited, startAndSupervise(context)]);
  } catch (error) {
    if (supervisor.phase === 'starting' || supervisor.phase === 'exited') failure = error;
    else code = await supervisor.exited;
  }
  stopWatchers.forEach((stop) => stop());
  if (config.revokeToken) await revokeTokens(client, issuedTokens, log);
  // Reported after clean-up, so the reason vault-exec stopped is always its last line.
  return code ?? reportFailure(failure, log);
}

interface RespawnHook {
  run?: () => void;
}

/** What the pipeline steps share; `issuedTokens` and `stopWatchers` are filled in for the clean-up. */
interface RunContext {
  config: Config;
  deps: RunDependencies;
  log: Logger;
  client: VaultClient;
  supervisor: Supervisor;
  respawn: RespawnHook;
  signal: AbortSignal;
  issuedTokens: string[];
  stopWatchers: Array<() => void>;
  masked: { values: string[] };
}

async function startAndSupervise(context: RunContext): Promise<number> {
  const { config, deps, log, client, supervisor, respawn, signal, issuedTokens, stopWatchers, masked } =
    context;
  try {
    await waitForVault({
      client,
      timeoutMs: config.waitTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      log,
      signal,
    });
  } catch (error) {
    if (config.fallbackEnv === undefined || !isOutage(error)) throw error;
    const inherited = config.runAs ? withUserEnvironment(deps.env, config.runAs) : deps.env;
    const env = buildFallbackChildEnv({ config, inherited, outage: error as Error, log });
    assertChildEnvFits(config.command, env);
    supervisor.start(config.command, env);
    return supervisor.exited;
  }
  // Unwrapped once: the plain secret_id is what re-logins at max TTL use.
  const auth =
    config.auth.method === 'approle' && config.auth.secretIdWrapped
      ? await unwrapSecretId(client, config.auth, log)
      : config.auth;
  const session: Session = await login(client, auth, log);
  // Tokens we did not create (a developer's VAULT_TOKEN or ~/.vault-token) are never revoked.
  if (isOwnToken(auth)) issuedTokens.push(session.token);
  const current = { session };
  const requestRestart = (reason: string): void => supervisor.dispatch({ type: 'restart-requested', reason });
  let leaseCount = 0;
  let stopLeaseWatch = (): void => {};
  let stopVersionWatch = (): void => {};

  /** Reads the secrets with the current token and starts a child with them: at start and on every restart. */
  const launch = async (): Promise<void> => {
    const secrets = await readSecrets({
      client,
      token: current.session.token,
      mappings: config.secrets,
      imports: config.pathImports,
      templates: config.templates,
      log,
    });
    const env = buildChildEnv({
      inherited: config.runAs ? withUserEnvironment(deps.env, config.runAs) : deps.env,
      secrets: secrets.values,
      templates: config.templates,
      passToken: config.passToken ? current.session.token : undefined,
      log,
    });
    assertChildEnvFits(config.command, env);
    if (signal.aborted) return;
    stopLeaseWatch();
    leaseCount = secrets.leases.length;
    stopLeaseWatch = watchLeases({
      client,
      leases: secrets.leases,
      current,
      log,
      onReplaceNeeded: requestRestart,
    });
    stopVersionWatch();
    if (config.watchIntervalMs !== undefined) {
      stopVersionWatch = watchSecretVersions({
        client,
        current,
        versions: secrets.versions,
        intervalMs: config.watchIntervalMs,
        log,
        onChange: requestRestart,
      });
    }
    masked.values = [
      ...secrets.values.values(),
      ...secrets.interpolated,
      ...(config.passToken ? [current.session.token] : []),
    ];
    supervisor.start(config.command, env);
  };
  respawn.run = () => {
    launch().catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      supervisor.dispatch({
        type: 'renewal-failed',
        message: `restarting the child with fresh secrets failed: ${reason}`,
      });
    });
  };

  if (deps.isPidOne) {
    log.warn(
      'running as PID 1: orphaned grandchildren will not be reaped; run the container with an init (docker run --init, compose "init: true", or tini)',
    );
  }
  await launch();
  if (signal.aborted) return supervisor.exited;

  const onNewToken = (token: string): void => {
    rememberToken(issuedTokens, token);
    // Leases die with the token that created them, so the child needs credentials read with the new one.
    if (leaseCount > 0)
      requestRestart(
        'the token was replaced at its max TTL, and the leases read with the old token end with it',
      );
  };
  stopWatchers.push(
    watchToken({
      client,
      auth,
      current,
      log,
      onFailure: (message) => supervisor.dispatch({ type: 'renewal-failed', message }),
      onNewToken,
    }),
    () => stopLeaseWatch(),
    () => stopVersionWatch(),
  );
  return supervisor.exited;
}

/**
 * Only the newest token and the one it replaced can still be alive (the older one expires within a
 * lifetime), so that is all that needs revoking at exit, however long the child runs.
 */
function rememberToken(tokens: string[], token: string): void {
  tokens.push(token);
  if (tokens.length > 2) tokens.shift();
}

async function check(
  config: Config,
  client: VaultClient,
  log: Logger,
  deps: RunDependencies,
): Promise<number> {
  const issuedTokens: string[] = [];
  let failure: unknown;
  try {
    await runCheck(config, client, log, deps.writeStdout, issuedTokens);
  } catch (error) {
    failure = error;
  }
  if (config.revokeToken) await revokeTokens(client, issuedTokens, log);
  return failure === undefined ? 0 : reportFailure(failure, log);
}

/** `vault-exec env`: like check, it revokes its token whatever happened. */
async function printEnv(
  config: Config,
  client: VaultClient,
  log: Logger,
  deps: RunDependencies,
): Promise<number> {
  const issuedTokens: string[] = [];
  let failure: unknown;
  try {
    const output = {
      env: deps.env,
      writeValues: deps.writeValues ?? deps.writeStdout,
      stdoutIsTerminal: deps.stdoutIsTerminal ?? false,
    };
    await runEnv(config, client, log, output, issuedTokens);
  } catch (error) {
    failure = error;
  }
  if (config.revokeToken) await revokeTokens(client, issuedTokens, log);
  return failure === undefined ? 0 : reportFailure(failure, log);
}

/** Bounded, and never changes the exit code: the child's result matters more than our clean-up. */
export const REVOKE_TIMEOUT_MS = 2_000;

async function revokeTokens(client: VaultClient, tokens: string[], log: Logger): Promise<void> {
  await Promise.all(
    tokens.map(async (token) => {
      try {
        const response = await client.request('POST', 'auth/token/revoke-self', {
          token,
          timeoutMs: REVOKE_TIMEOUT_MS,
        });
        if (response.status === 204 || response.status === 200) log.debug('revoked the token');
        else log.debug(`token revocation answered HTTP ${response.status} (it may have expired already)`);
      } catch (error) {
        log.warn(`could not revoke the token at exit: ${(error as Error).message}`);
      }
    }),
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
