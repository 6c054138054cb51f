// What every command works with: its collaborators (injectable, so tests drive run() in-process)
// and, once the configuration is resolved, the context all three endings share.
import type { ForwardedSignal } from '../child/signals';
import type { ChildProcess, SpawnOptions } from '../child/spawn';
import type { Config } from '../cli/config';
import type { CredentialLedger } from '../running/credential-ledger';
import type { Clock } from '../util/clock';
import type { Env } from '../util/env';
import type { Logger, Redactor } from '../util/log';
import type { Observer } from '../util/observer';
import type { createVaultClient, VaultClient } from '../vault/http/client';

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
  createVaultClient?: typeof createVaultClient;
  /** Monotonic milliseconds. */
  now?: Clock;
  spawn?: (command: string[], env: Record<string, string>, options: SpawnOptions) => ChildProcess;
  appendFile?: (path: string, text: string) => void;
  /**
   * Runs a synchronous clean-up at the process's exit even when no finally will (an internal error's
   * exit); returns its unregistration. main.ts's is process-io's; in-process tests have none.
   */
  onExit?(hook: () => void): () => void;
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
  /** The metrics' (--metrics-addr), or NO_OBSERVER. */
  observer: Observer;
}
