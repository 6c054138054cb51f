// run(argv, deps): the whole of vault-exec as a function, for main.ts and for in-process tests.
// Parse (no I/O) → resolve (the only I/O before Vault) → the command.
import { parseCommandLine } from './cli/parse-command-line';
import type { Config } from './cli/config';
import type { CommandDeps } from './commands/context';
import { runCommand, type CommandName } from './commands/run-command';
import { createNodeIo, type ResolveIo } from './resolve/io';
import { resolveConfig } from './resolve/resolve-config';
import { createLogger, createRedactor, type Redactor } from './util/log';
import { reportFailure } from './util/report-failure';

export interface RunDependencies extends Partial<Omit<CommandDeps, 'env' | 'writeStdout' | 'onSignals'>> {
  env: CommandDeps['env'];
  writeStdout: CommandDeps['writeStdout'];
  writeStderr(text: string): void;
  /** Where signals go; main.ts routes process signals here. */
  onSignals: CommandDeps['onSignals'];
  /** Where a project file is looked for; process.cwd() in main.ts. */
  cwd?: string;
  /** What the resolve step reads (files, ids, the token helper); Node's by default, a test's own here. */
  resolveIo?: Partial<ResolveIo>;
  /** Shared with the guarded process streams (main.ts), so library output is masked too. */
  redactor?: Redactor;
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
  return runCommand(kind, config, log, redactor, {
    ...deps,
    isPidOne: deps.isPidOne ?? false,
    terminal: deps.terminal ?? false,
    writeValues: deps.writeValues ?? deps.writeStdout,
    stdoutIsTerminal: deps.stdoutIsTerminal ?? false,
  });
}
