// What a command does once its configuration is resolved. run, check and env share the start-up
// (start-up.ts) and one credential ledger; each ends it its own way (run.ts, check.ts, env.ts).
// Until a child exists, a stop signal ends the start-up here: what it obtained is revoked first.
import { endsRunWithoutChild, signalExitCode, type ForwardedSignal } from '../child/signals';
import type { ChildProcess, SpawnOptions } from '../child/spawn';
import type { Config } from '../cli/config';
import { CLEAN_UP_BUDGET_MS, CredentialLedger, IN_FLIGHT_WAIT_MS } from '../running/credential-ledger';
import { monotonicNow, timerAt, type Clock } from '../util/clock';
import type { Env } from '../util/env';
import type { Logger, Redactor } from '../util/log';
import { reportFailure } from '../util/report-failure';
import type { createVaultClient, VaultClient } from '../vault/http/client';
import { checkStartUp } from './check';
import { printEnv } from './env';
import { runChild } from './run';

export type CommandName = 'run' | 'check' | 'env';

/** Everything a command touches outside itself, injectable so that tests can drive run() in-process. */
export interface CommandDeps {
  env: Env;
  writeStdout(text: string): void;
  /** Where signals go; main.ts routes process signals here. */
  onSignals(handler: (signal: ForwardedSignal) => void): void;
  isPidOne: boolean;
  /** stdin is a terminal: the child shares the terminal's foreground group (see child/signals.ts). */
  terminal: boolean;
  /** stdout without the redactor, for `vault-exec env` alone (printing values is its job). */
  writeValues(text: string): void | Promise<void>;
  stdoutIsTerminal: boolean;
  createVaultClient: typeof createVaultClient;
  /** Monotonic milliseconds. */
  now?: Clock;
  spawn?: (command: string[], env: Record<string, string>, options: SpawnOptions) => ChildProcess;
  appendFile?: (path: string, text: string) => void;
}

/** What every ending works with. */
export interface CommandContext {
  config: Config;
  client: VaultClient;
  log: Logger;
  redactor: Redactor;
  ledger: CredentialLedger;
  now: Clock;
  /** Aborted by a stop signal that arrives before a child exists. */
  stop: AbortSignal;
  deps: CommandDeps;
}

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
  let client: VaultClient;
  try {
    // Reads the TLS files; an unreadable or half-given one is a usage error like any other.
    client = deps.createVaultClient({
      address: config.vaultAddr,
      namespace: config.namespace,
      tls: config.tls,
      timeoutMs: config.requestTimeoutMs,
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
      stop.abort(signal);
      resolve(signal);
    }),
  );
  const context: CommandContext = { config, client, log, redactor, ledger, now, stop: stop.signal, deps };
  const working = ENDINGS[kind](context);

  const outcome = await Promise.race([
    working.then(
      (code) => ({ code }),
      (error: unknown) => ({ error }),
    ),
    stopped.then((signal) => ({ signal })),
  ]);
  if ('code' in outcome) return outcome.code;
  const deadline = now() + CLEAN_UP_BUDGET_MS;
  if ('signal' in outcome) {
    // A step in flight may still mint a token or a lease: give it part of the budget.
    await untilSettledOr(working, deadline - CLEAN_UP_BUDGET_MS + IN_FLIGHT_WAIT_MS, now);
    if (config.revokeToken) await ledger.revokeAll(deadline);
    log.info(`stopped by ${outcome.signal} before the child started`, { event: 'interrupted' });
    return signalExitCode(outcome.signal);
  }
  if (config.revokeToken) await ledger.revokeAll(deadline);
  // Reported after clean-up, so the reason vault-exec stopped is always its last line.
  return reportFailure(outcome.error, log);
}

function untilSettledOr(work: Promise<unknown>, deadline: number, now: Clock): Promise<void> {
  let cancel = (): void => {};
  const bound = new Promise<void>((resolve) => (cancel = timerAt(deadline, resolve, now)));
  return Promise.race([work.then(noop, noop), bound]).finally(() => cancel());
}

function noop(): void {}
