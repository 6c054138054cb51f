// run(argv, deps): the whole of vault-exec as a function, for main.ts and for in-process tests.
// Parse (no I/O) → resolve (the only I/O before Vault) → the command.
import { refuseProcessGroupOnTerminal } from './child/terminal';
import type { ForwardedSignal } from './child/signals';
import { parseCommandLine } from './cli/parse-command-line';
import type { Config } from './cli/config';
import { runCommand, type CommandName } from './commands/run-command';
import { createNodeIo, type ResolveIo } from './resolve/io';
import { resolveConfig } from './resolve/resolve-config';
import type { Env } from './util/env';
import { createLogger, createRedactor, type Redactor } from './util/log';
import { reportFailure } from './util/report-failure';
import { redactCredentials } from './vault/auth';
import { createVaultClient } from './vault/http/client';

export interface RunDependencies {
  env: Env;
  /** Where a project file is looked for; process.cwd() in main.ts. */
  cwd?: string;
  /** What the resolve step reads (files, ids, the token helper); Node's by default, a test's own here. */
  resolveIo?: Partial<ResolveIo>;
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
  createVaultClient?: typeof createVaultClient;
}

/** Runs the whole pipeline and returns the exit code; it never throws and never calls process.exit. */
export async function run(argv: string[], deps: RunDependencies): Promise<number> {
  let config: Config;
  let kind: CommandName;
  const bootstrapLog = createLogger({ level: 'error', format: 'text', write: deps.writeStderr });
  try {
    const commandLine = parseCommandLine(argv, deps.env);
    if (commandLine.kind === 'exit') {
      deps.writeStdout(commandLine.stdout);
      return commandLine.code;
    }
    const io: ResolveIo = { ...createNodeIo(deps.cwd), ...deps.resolveIo };
    ({ kind, config } = resolveConfig(commandLine, deps.env, io));
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

  return runCommand(kind, config, log, redactor, {
    env: deps.env,
    writeStdout: deps.writeStdout,
    onSignals: deps.onSignals,
    isPidOne: deps.isPidOne,
    terminal: deps.terminal ?? false,
    writeValues: deps.writeValues ?? deps.writeStdout,
    stdoutIsTerminal: deps.stdoutIsTerminal ?? false,
    createVaultClient: deps.createVaultClient ?? createVaultClient,
  });
}
