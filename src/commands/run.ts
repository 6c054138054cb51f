// `vault-exec [run] -- cmd`: the start-up, then the running phase supervises the child until it ends.
import { assertChildEnvFits } from '../child/env-limits';
import { withUserEnvironment } from '../child/run-as';
import { spawnChild, type SpawnOptions } from '../child/spawn';
import { createSupervisor } from '../child/supervisor-shell';
import { buildGeneration } from '../running/generation';
import { RunningPhase } from '../running/running-phase';
import type { Env } from '../util/env';
import { buildFallbackChildEnv, isOutage } from './fallback-env';
import type { CommandContext } from './context';
import { startUp, type StartedUp } from './start-up';

export async function runChild(context: CommandContext): Promise<number> {
  const { config, client, log, ledger, now, stop, deps, observer } = context;
  const inherited = withUserEnvironment(deps.env, config.runAs);
  let started: StartedUp;
  try {
    started = await startUp({ config, client, log, ledger, now, signal: stop, observer });
  } catch (error) {
    // `vault-exec run` in development only (cli/fallback-policy.ts).
    if (config.fallbackEnv === undefined || !isOutage(error) || stop.aborted) throw error;
    return runOnFallback(context, inherited, error as Error);
  }
  const first = buildGeneration({
    config,
    inherited,
    secrets: started.secrets,
    token: started.session.token,
    log,
  });
  stop.throwIfAborted();
  if (deps.isPidOne)
    log.warn(
      'running as PID 1: orphaned grandchildren will not be reaped; run the container with an init (docker run --init, compose "init: true", or tini)',
    );
  const phase = new RunningPhase({
    config,
    client,
    log,
    ledger,
    login: started,
    first,
    inherited,
    terminal: deps.terminal,
    now,
    spawn: spawnFor(context),
    observer,
  });
  deps.onSignals((signal) => phase.dispatchSignal(signal));
  const code = await phase.exited;
  await phase.close();
  return code;
}

/**
 * The development fallback (commands/fallback-env.ts): a child from the .env file's values for the
 * mapped names, built from the same inherited env as every generation, with no token, leases or watch.
 */
async function runOnFallback(context: CommandContext, inherited: Env, outage: Error): Promise<number> {
  const { config, log, deps } = context;
  const env = buildFallbackChildEnv({ config, inherited, outage, log });
  assertChildEnvFits(config.command, env);
  const supervisor = createSupervisor({
    killTimeoutMs: config.killTimeoutMs,
    log,
    terminal: deps.terminal,
    processGroup: config.processGroup,
    spawn: spawnFor(context),
  });
  deps.onSignals((signal) => supervisor.dispatch({ type: 'signal', signal }));
  supervisor.start(config.command, env);
  return supervisor.exited;
}

function spawnFor({ config, redactor, deps }: CommandContext) {
  const spawn = deps.spawn ?? spawnChild;
  return (command: string[], env: Record<string, string>, options: SpawnOptions) =>
    spawn(command, env, {
      ...options,
      identity: config.runAs,
      // --mask: everything the redactor knows by now, so this child's secrets (interpolated ones,
      // the token with --pass-token, a .env fallback's values) and vault-exec's credentials.
      maskValues: config.mask ? redactor.values() : undefined,
    });
}
