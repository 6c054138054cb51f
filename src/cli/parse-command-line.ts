// argv → what the command line says: the command, the flags given, the child's command and which
// project file to read. Pure: nothing here reads a file or the process; the resolve step does.
import type { Env } from '../util/env';
import { UsageError, escapeControlCharacters, quote } from '../util/errors';
import { FLAG_OPTIONS, SUBCOMMANDS, envNameOf, type FlagValues, type Subcommand } from './options';
import { buildProgram } from './program';
import { nonBlank } from './values';

export type CommandLine = ParsedCommandLine | { kind: 'exit'; code: number; stdout: string };

export interface ParsedCommandLine {
  kind: Subcommand;
  /** As typed: a subcommand, or the container form `vault-exec [options] -- <command>` (a run). */
  form: Subcommand | 'container';
  /** The values given as flags, by option key; a flag not on the line is absent. */
  flags: Partial<FlagValues>;
  /** The child's command as the line gives it (after "--", or the words left); undefined if none. */
  command?: string[];
  projectFile: ProjectFileRequest;
}

export interface ProjectFileRequest {
  /** --config, else VAULT_EXEC_CONFIG: `none`, or a file to read as given (relative to the cwd). */
  given?: string;
  /** Look for vault-exec.yaml upwards from the cwd: `run`, `check` and `env`, never the container form. */
  discover: boolean;
}

export function parseCommandLine(argv: string[], env: Env): CommandLine {
  const separator = argv.indexOf('--');
  const ours = separator === -1 ? argv : argv.slice(0, separator);
  const childCommand = separator === -1 ? undefined : argv.slice(separator + 1);
  // Only a first word *before* "--" names a subcommand, so `vault-exec -- check` runs a program called check.
  const named = SUBCOMMANDS.find((name) => name === ours[0]);
  const optionWords = named === undefined ? ours : ours.slice(1);
  // The container form (`vault-exec -- cmd`, every setting from the environment) and the usual flags
  // are read without commander, which is loaded only for the rest: a millisecond or two of a start.
  const read = readPlainFlags(optionWords) ?? readWithCommander(optionWords);
  if (read.kind === 'exit') return read;
  const { flags, positional } = read;
  if (childCommand !== undefined && positional.length > 0) {
    throw new UsageError(
      `unexpected argument ${quote(positional[0]!)} before "--": put the whole child command after "--"`,
    );
  }
  const kind = named ?? 'run';
  const command = childCommand ?? (positional.length > 0 ? positional : undefined);
  if (kind === 'env' && command !== undefined)
    throw new UsageError('vault-exec env runs no command: remove the command, or drop "env" to run it');

  const given = (flags.config as string | undefined) ?? nonBlank(env[envNameOf('config')]);
  return {
    kind,
    form: named ?? 'container',
    flags: flags as Partial<FlagValues>,
    command,
    projectFile: { given, discover: named !== undefined },
  };
}

interface ReadFlags {
  kind: 'flags';
  /** The flags the line gives, by option key. */
  flags: Record<string, unknown>;
  /** The words left for the command (before any "--"). */
  positional: string[];
}

/**
 * The usual line, read without loading commander (some 2 ms of a start): only the table's long flags,
 * each a boolean or `--flag value` / `--flag=value` whose value does not start with "-" and is one of
 * its choices. For anything else (--help, --version, a short flag, an unknown or misspelt flag, a
 * missing or refused value, a word for the command) it returns undefined, and commander reads the
 * line with its own messages. Where it reads a line, it reads it as commander does, which
 * test/unit/cli/plain-flags.test.ts checks on generated lines.
 */
export function readPlainFlags(words: string[]): ReadFlags | undefined {
  const flags: Record<string, unknown> = {};
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const equals = word.indexOf('=');
    const row = FLAG_OPTIONS.find((option) => option.flag === (equals === -1 ? word : word.slice(0, equals)));
    if (row === undefined) return undefined;
    if (row.shape === 'boolean') {
      if (equals !== -1) return undefined;
      flags[row.key] = !row.flag.startsWith('--no-');
      continue;
    }
    const value = equals === -1 ? words[++index] : word.slice(equals + 1);
    if (value === undefined || value.startsWith('-')) return undefined;
    if ('choices' in row && !(row.choices as readonly string[]).includes(value)) return undefined;
    flags[row.key] =
      'repeatable' in row ? [...((flags[row.key] as string[] | undefined) ?? []), value] : value;
  }
  return { kind: 'flags', flags, positional: [] };
}

/** Any line, read by commander: its help, version and error messages. */
export function readWithCommander(
  words: string[],
): ReadFlags | { kind: 'exit'; code: number; stdout: string } {
  // Loaded here, not at the top: the container form and the usual line do without it.
  const { CommanderError } = require('commander') as typeof import('commander');
  let stdout = '';
  const program = buildProgram((text) => (stdout += text));
  try {
    program.parse(words, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return { kind: 'exit', code: 0, stdout };
      // commander puts its "(Did you mean --secret?)" hint on a line of its own, and quotes the user's
      // value verbatim: join the lines, and escape any control character left, so it stays one line.
      const message = error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      throw new UsageError(`${escapeControlCharacters(message)} (see vault-exec --help)`);
    }
    throw error;
  }
  const parsed = program.opts<Record<string, unknown>>();
  const flags: Record<string, unknown> = {};
  for (const row of FLAG_OPTIONS)
    if (program.getOptionValueSource(row.key) === 'cli') flags[row.key] = parsed[row.key];
  return { kind: 'flags', flags, positional: program.args };
}
