// What a command does once its configuration is resolved. run, check and env share the start-up
// (start-up.ts) and one credential ledger; each ends it its own way (run.ts, check.ts, env.ts).
// Until a child exists, a stop signal ends the start-up here: what it obtained is revoked first.
import { endsRunWithoutChild, signalExitCode, type ForwardedSignal } from '../child/signals';
import { refuseProcessGroupOnTerminal } from '../child/terminal';
import type { Config } from '../cli/config';
import { CredentialLedger } from '../running/credential-ledger';
import { monotonicNow } from '../util/clock';
import type { Logger, Redactor } from '../util/log';
import { NO_OBSERVER } from '../util/observer';
import { reportFailure } from '../util/report-failure';
import { redactCredentials } from '../vault/auth';
import { createVaultClient, type VaultClient } from '../vault/http/client';
import type { CommandContext, CommandDeps } from './context';
import { checkStartUp } from './check';
import { printEnv } from './env';
import { runChild } from './run';

export type CommandName = 'run' | 'check' | 'env';
export type { CommandDeps } from './context';

const ENDINGS: Record<CommandName, (context: CommandContext) => Promise<number>> = {
  run: runChild,
  check: checkStartUp,
  env: printEnv,
};

export async function runCommand(
  kind: CommandName,
  config: Config,
  log: Logger,
  redactor: Redactor,
  deps: CommandDeps,
): Promise<number> {
  if (config.metricsAddr === undefined) return runObserved(kind, config, log, redactor, deps, undefined);
  // Loaded only with the flag: without it, vault-exec neither loads nor runs any of the metrics code.
  let metrics: import('../metrics/start').Metrics;
  try {
    const { startMetrics } = await import('../metrics/start');
    metrics = await startMetrics({ where: config.metricsAddr, method: config.auth.method, log });
  } catch (error) {
    return reportFailure(error, log);
  }
  try {
    return await runObserved(kind, config, log, redactor, deps, metrics.observer);
  } finally {
    await metrics.close();
  }
}

async function runObserved(
  kind: CommandName,
  config: Config,
  log: Logger,
  redactor: Redactor,
  deps: CommandDeps,
  observer = NO_OBSERVER,
): Promise<number> {
  redactCredentials(config.auth, log);
  if (config.projectFile !== undefined)
    log.info(`using the project file ${config.projectFile}`, { event: 'project-file' });
  if (config.lookalikes.length > 0)
    log.debug(
      `left ${config.lookalikes.join(', ')} as inherited: a value is a reference only as vault:PATH#KEY`,
    );
  let client: VaultClient;
  try {
    if (kind !== 'env') refuseProcessGroupOnTerminal(config, deps.terminal);
    // Reads the TLS files; an unreadable or half-given one is a usage error like any other.
    client = (deps.createVaultClient ?? createVaultClient)({
      address: config.vaultAddr,
      namespace: config.namespace,
      tls: config.tls,
      timeoutMs: config.requestTimeoutMs,
      env: deps.env,
      log,
      observer,
    });
  } catch (error) {
    return reportFailure(error, log);
  }
  const now = deps.now ?? monotonicNow;
  const ledger = new CredentialLedger(client, log, now);
  const stop = new AbortController();
  const stopped = new Promise<ForwardedSignal>((resolve) =>
    // run.ts takes the signals over once its child exists.
    deps.onSignals((signal) => {
      if (!endsRunWithoutChild(signal) || stop.signal.aborted) return;
      stop.abort(new Error(`received ${signal}`));
      resolve(signal);
    }),
  );
  const context: CommandContext = {
    config,
    client,
    log,
    redactor,
    ledger,
    now,
    stop: stop.signal,
    deps,
    observer,
  };
  const working = ENDINGS[kind](context);

  const outcome = await Promise.race([
    working.then(
      (code) => ({ code }),
      (error: unknown) => ({ error }),
    ),
    stopped.then((signal) => ({ signal })),
  ]);
  if ('code' in outcome) return outcome.code;
  if ('signal' in outcome) {
    // A step in flight may still mint a token or a lease: the clean-up waits for it a moment.
    if (config.revokeToken) await ledger.cleanUp(working);
    log.info(
      kind === 'run'
        ? `received ${outcome.signal} before the child was started; exiting without starting it`
        : `received ${outcome.signal}; ${kind} stops here`,
      { event: 'interrupted' },
    );
    return signalExitCode(outcome.signal);
  }
  if (config.revokeToken) await ledger.cleanUp();
  // Reported after clean-up, so the reason vault-exec stopped is always its last line.
  return reportFailure(outcome.error, log);
}
