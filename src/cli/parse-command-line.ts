import { Command, CommanderError, Option } from 'commander';
import {
  AUTH_METHODS,
  DEFAULT_APPROLE_MOUNT,
  DEFAULT_ENV_FORMAT,
  DEFAULT_JWT_AUDIENCE,
  DEFAULT_KILL_TIMEOUT,
  DEFAULT_REQUEST_TIMEOUT,
  DEFAULT_VAULT_ADDR,
  DEFAULT_WAIT_TIMEOUT,
  buildConfig,
  parseBoolean,
  type Config,
  type RawOptions,
} from './config';
import type { Env } from '../util/env';
import { ENV_FORMATS } from '../commands/env-formats';
import { UsageError, escapeControlCharacters, quote } from '../util/errors';
import { checkFallbackEnvAllowed } from './fallback-policy';
import { LOG_FORMATS, LOG_LEVELS } from '../util/log';
import { openProjectFile } from '../resolve/open-project-file';
import { refuseFileAddressForOwnToken } from '../resolve/own-token-address';
import { VERSION } from '../util/version';

export type CommandLine =
  { kind: Subcommand; config: Config } | { kind: 'exit'; code: number; stdout: string };

const SUBCOMMANDS = ['run', 'check', 'env'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];
/** Flags that only mean something to `vault-exec env`; elsewhere they are a mistake worth a line. */
const ENV_ONLY_KEYS: ReadonlyArray<keyof RawOptions> = ['format', 'force'];

type OptionKind = 'string' | 'list' | 'boolean';

/**
 * Every flag with its env twin; --help, the README options table and the project file's keys
 * (the long flag names without "--") come from this list.
 */
export const OPTIONS: ReadonlyArray<{
  key: keyof RawOptions;
  flags: string;
  env: string;
  kind: OptionKind;
  description: string;
  defaultValue?: unknown;
  choices?: readonly string[];
}> = [
  {
    key: 'vaultAddr',
    flags: '--vault-addr <url>',
    env: 'VAULT_ADDR',
    kind: 'string',
    defaultValue: DEFAULT_VAULT_ADDR,
    description: 'Vault server address',
  },
  {
    key: 'config',
    flags: '--config <file>',
    env: 'VAULT_EXEC_CONFIG',
    kind: 'string',
    description:
      'read options from this YAML project file (run, check and env find vault-exec.yaml by themselves; none: read no file)',
  },
  {
    key: 'waitTimeout',
    flags: '--wait-timeout <duration>',
    env: 'VAULT_EXEC_WAIT_TIMEOUT',
    kind: 'string',
    defaultValue: DEFAULT_WAIT_TIMEOUT,
    description: 'how long to wait for Vault to become ready before exiting 69',
  },
  {
    key: 'requestTimeout',
    flags: '--request-timeout <duration>',
    env: 'VAULT_EXEC_REQUEST_TIMEOUT',
    kind: 'string',
    defaultValue: DEFAULT_REQUEST_TIMEOUT,
    description: 'timeout of each HTTP request to Vault',
  },
  {
    key: 'roleIdFile',
    flags: '--role-id-file <path>',
    env: 'VAULT_EXEC_ROLE_ID_FILE',
    kind: 'string',
    description: 'read the AppRole role_id from this file (else VAULT_ROLE_ID)',
  },
  {
    key: 'secretIdFile',
    flags: '--secret-id-file <path>',
    env: 'VAULT_EXEC_SECRET_ID_FILE',
    kind: 'string',
    description: 'read the AppRole secret_id from this file (else VAULT_SECRET_ID)',
  },
  {
    key: 'removeSecretIdFile',
    flags: '--remove-secret-id-file',
    env: 'VAULT_EXEC_REMOVE_SECRET_ID_FILE',
    kind: 'boolean',
    defaultValue: false,
    description: 'delete the secret_id file after the first successful login',
  },
  {
    key: 'secretIdWrapped',
    flags: '--secret-id-wrapped',
    env: 'VAULT_EXEC_SECRET_ID_WRAPPED',
    kind: 'boolean',
    defaultValue: false,
    description: 'the secret_id is a response-wrapping token: check where it was created, then unwrap it',
  },
  {
    key: 'approleMount',
    flags: '--approle-mount <path>',
    env: 'VAULT_EXEC_APPROLE_MOUNT',
    kind: 'string',
    defaultValue: DEFAULT_APPROLE_MOUNT,
    description: 'mount path of the AppRole auth method (an alias of --auth-mount)',
  },
  {
    key: 'auth',
    flags: '--auth <method>',
    env: 'VAULT_EXEC_AUTH',
    kind: 'string',
    choices: AUTH_METHODS,
    description:
      'how to log in: approle, token, jwt or kubernetes (default: approle with a role_id, else token)',
  },
  {
    key: 'authMount',
    flags: '--auth-mount <path>',
    env: 'VAULT_EXEC_AUTH_MOUNT',
    kind: 'string',
    description: "mount path of the auth method (default: the method's name)",
  },
  {
    key: 'role',
    flags: '--role <name>',
    env: 'VAULT_EXEC_ROLE',
    kind: 'string',
    description: 'the Vault role to log in as (jwt and kubernetes)',
  },
  {
    key: 'jwtFile',
    flags: '--jwt-file <path>',
    env: 'VAULT_EXEC_JWT_FILE',
    kind: 'string',
    description:
      'read the JWT from this file at every login (jwt: else VAULT_EXEC_JWT, else GitHub Actions OIDC; kubernetes: else the service-account token)',
  },
  {
    key: 'jwtAudience',
    flags: '--jwt-audience <aud>',
    env: 'VAULT_EXEC_JWT_AUDIENCE',
    kind: 'string',
    defaultValue: DEFAULT_JWT_AUDIENCE,
    description: 'the audience (aud) of the GitHub Actions OIDC token vault-exec requests',
  },
  {
    key: 'secret',
    flags: '--secret <NAME=PATH#KEY>',
    env: 'VAULT_EXEC_SECRET',
    kind: 'list',
    defaultValue: [],
    description: 'set env NAME to KEY of the secret at PATH (repeatable)',
  },
  {
    key: 'secrets',
    flags: '--secrets <[PREFIX=]PATH>',
    env: 'VAULT_EXEC_SECRETS',
    kind: 'list',
    defaultValue: [],
    description: 'set one env var per key of PATH, upper-cased, with an optional prefix (repeatable)',
  },
  {
    key: 'killTimeout',
    flags: '--kill-timeout <duration>',
    env: 'VAULT_EXEC_KILL_TIMEOUT',
    kind: 'string',
    defaultValue: DEFAULT_KILL_TIMEOUT,
    description:
      'after a stop signal, a restart or a renewal failure, wait this long for the child before SIGKILL',
  },
  {
    key: 'user',
    flags: '--user <user[:group]>',
    env: 'VAULT_EXEC_USER',
    kind: 'string',
    description:
      'run the child as this user (name or uid) and group (name or gid); vault-exec must start as root',
  },
  {
    key: 'watch',
    flags: '--watch <interval>',
    env: 'VAULT_EXEC_WATCH',
    kind: 'string',
    description:
      'every <interval>, check the static secrets in use and restart the child gracefully when one changed',
  },
  {
    key: 'fallbackEnv',
    flags: '--fallback-env <file>',
    env: 'VAULT_EXEC_FALLBACK_ENV',
    kind: 'string',
    description:
      'vault-exec run only, never in production: when Vault stays unreachable or sealed, take the mapped names from this .env file',
  },
  {
    key: 'passToken',
    flags: '--pass-token',
    env: 'VAULT_EXEC_PASS_TOKEN',
    kind: 'boolean',
    defaultValue: false,
    description: "give the child vault-exec's token as VAULT_TOKEN",
  },
  {
    key: 'mask',
    flags: '--mask',
    env: 'VAULT_EXEC_MASK',
    kind: 'boolean',
    defaultValue: false,
    description:
      "CI: pipe the child's stdout and stderr through vault-exec and replace every secret value with ***",
  },
  {
    key: 'format',
    flags: '--format <format>',
    env: 'VAULT_EXEC_ENV_FORMAT',
    kind: 'string',
    defaultValue: DEFAULT_ENV_FORMAT,
    choices: ENV_FORMATS,
    description: 'vault-exec env: dotenv, docker, json, shell or github',
  },
  {
    key: 'force',
    flags: '--force',
    env: 'VAULT_EXEC_ENV_FORCE',
    kind: 'boolean',
    defaultValue: false,
    description: 'vault-exec env: print the values even when stdout is a terminal',
  },
  {
    key: 'revokeToken',
    flags: '--no-revoke-token',
    env: 'VAULT_EXEC_REVOKE_TOKEN',
    kind: 'boolean',
    defaultValue: true,
    description: 'do not revoke the token when vault-exec exits',
  },
  {
    key: 'processGroup',
    flags: '--process-group',
    env: 'VAULT_EXEC_PROCESS_GROUP',
    kind: 'boolean',
    defaultValue: false,
    description: 'run the child in its own process group and signal the whole group (not with a terminal)',
  },
  {
    key: 'logLevel',
    flags: '--log-level <level>',
    env: 'VAULT_EXEC_LOG_LEVEL',
    kind: 'string',
    defaultValue: 'info',
    choices: LOG_LEVELS,
    description: 'error, warn, info or debug',
  },
  {
    key: 'logFormat',
    flags: '--log-format <format>',
    env: 'VAULT_EXEC_LOG_FORMAT',
    kind: 'string',
    defaultValue: 'text',
    choices: LOG_FORMATS,
    description: 'text or json',
  },
];

const HELP_FOOTER = `
Everything after "--" is the child's command line, passed on untouched.

Credentials: AppRole from VAULT_ROLE_ID + VAULT_SECRET_ID (or the *-file flags);
otherwise your own login: VAULT_TOKEN, the Vault CLI's token_helper (~/.vault),
then ~/.vault-token, as left by "vault login". There is deliberately no
--secret-id flag: command lines are readable by every user of the machine.
CI: --auth jwt --role NAME logs in with --jwt-file, VAULT_EXEC_JWT or GitHub
Actions' OIDC token; --auth kubernetes --role NAME with the service-account token.
TLS: VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY,
VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY; namespace: VAULT_NAMESPACE.
In the inherited environment, NAME=vault:PATH#KEY and \${vault:PATH#KEY} are resolved.
VAULT_EXEC_SECRET and VAULT_EXEC_SECRETS take whitespace- or comma-separated lists.
Project file: "vault-exec run", "check" and "env" read the nearest vault-exec.yaml (or .yml)
up to the repository root; keys are the long flag names without "--", plus "command".
A flag on the command line wins over its env twin, which wins over the project file.

vault-exec env logs in and reads exactly as a start would, prints only the secret
variables (not the inherited environment), runs nothing and revokes its token. It
refuses a terminal unless --force. --format (default dotenv):
  dotenv  NAME='value', read back exactly by the dotenv package and Node's
          util.parseEnv / --env-file, multi-line values included; refuses a value
          with a carriage return, or with ' and \` and also " or a backslash
  docker  NAME=value, read literally by docker run --env-file; refuses multi-line values
  json    one JSON object on one line, any value
  shell   export NAME='value' lines for eval in a POSIX shell
  github  appends NAME<<DELIMITER blocks to $GITHUB_ENV and first prints
          ::add-mask:: for every line of every value
All but json refuse a NUL byte, which no environment variable can hold.
--mask is for CI logs: the child's stdout and stderr become pipes (no terminal).

Exit codes: the child's code, or 128+N if it died of signal N; 64 usage,
65 a secret cannot be passed in the environment (over 128 KiB, or a NUL byte),
69 Vault not ready, 70 internal error, 74 env could not write its output,
75 renewal failed, 77 auth/permission denied, 78 secret path or key not found,
126 not executable, 127 command not found.

Example:
  VAULT_ADDR=https://vault:8200 vault-exec --secret DB_PASSWORD=secret/app/db#password -- node server.js`;

export function parseCommandLine(argv: string[], env: Env, cwd: string = process.cwd()): CommandLine {
  const separator = argv.indexOf('--');
  const ours = separator === -1 ? argv : argv.slice(0, separator);
  const childCommand = separator === -1 ? undefined : argv.slice(separator + 1);
  // Only a first word *before* "--" names a subcommand, so `vault-exec -- check` runs a program called check.
  const named = SUBCOMMANDS.find((name) => name === ours[0]);
  const kind: Subcommand = named ?? 'run';
  const optionWords = named === undefined ? ours : ours.slice(1);

  let stdout = '';
  const program = buildProgram((text) => (stdout += text));
  try {
    program.parse(optionWords, { from: 'user' });
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
  const positional = program.args;
  if (childCommand !== undefined && positional.length > 0) {
    throw new UsageError(
      `unexpected argument ${quote(positional[0]!)} before "--": put the whole child command after "--"`,
    );
  }
  const projectFile = openProjectFile(
    {
      given:
        program.getOptionValueSource('config') === 'cli'
          ? program.opts().config
          : nonBlank(env.VAULT_EXEC_CONFIG),
      // env reads what a `run` would, so it finds the project file too.
      discover: ours[0] === 'run' || ours[0] === 'check' || kind === 'env',
      cwd,
      home: env.HOME,
    },
    OPTIONS,
  );
  const misplaced = ENV_ONLY_KEYS.find((key) => program.getOptionValueSource(key) === 'cli');
  if (kind !== 'env' && misplaced !== undefined)
    throw new UsageError(
      `--${misplaced} belongs to vault-exec env: use vault-exec env --${misplaced} ... (see vault-exec --help)`,
    );
  const options = mergeEnvTwins(program, env, projectFile?.values ?? {});
  const fallbackFromFile = sourceOf(program, env, 'fallbackEnv', projectFile?.values) === 'file';
  if (kind === 'env' && options.fallbackEnv !== undefined && !fallbackFromFile)
    throw new UsageError(
      'vault-exec env never falls back to a .env file: drop --fallback-env (VAULT_EXEC_FALLBACK_ENV)',
    );
  options.fallbackEnv = checkFallbackEnvAllowed({
    file: options.fallbackEnv,
    fromProjectFile: fallbackFromFile,
    // env, like check, ignores a project file's fallback-env: it must print what Vault holds.
    form: kind === 'env' ? 'check' : ours[0] === 'run' || ours[0] === 'check' ? ours[0] : 'container',
    env,
  });
  const command = childCommand ?? (positional.length > 0 ? positional : (projectFile?.command ?? []));
  const config = buildConfig(command, options, { env, commandRequired: kind === 'run' });
  config.projectFile = projectFile?.path;
  refuseFileAddressForOwnToken({
    fileAddress:
      sourceOf(program, env, 'vaultAddr', projectFile?.values) === 'file' ? options.vaultAddr : undefined,
    auth: config.auth,
    file: projectFile?.path ?? '',
  });
  if (kind === 'env' && (childCommand !== undefined || positional.length > 0))
    throw new UsageError('vault-exec env runs no command: remove the command, or drop "env" to run it');
  // A project file's pass-token is for its runs; env just leaves the token out.
  if (
    kind === 'env' &&
    config.passToken &&
    sourceOf(program, env, 'passToken', projectFile?.values) !== 'file'
  )
    throw new UsageError(
      'vault-exec env never prints its own token, and revokes it: drop --pass-token (VAULT_EXEC_PASS_TOKEN)',
    );
  if (kind === 'check' && config.auth.method === 'approle' && config.auth.secretIdWrapped) {
    throw new UsageError(
      'check cannot use a wrapped secret_id: unwrapping it would use it up before the real start',
    );
  }
  return { kind, config };
}

/** Lines for the README options table, so the two cannot drift apart. */
export function describeOptions(): Array<{
  flag: string;
  env: string;
  defaultValue: string;
  description: string;
}> {
  return OPTIONS.map((option) => ({
    flag: option.flags,
    env: option.env,
    defaultValue:
      option.defaultValue === undefined || Array.isArray(option.defaultValue)
        ? ''
        : String(option.defaultValue),
    description: option.description,
  }));
}

function buildProgram(writeOut: (text: string) => void): Command {
  const program = new Command('vault-exec')
    .usage(
      '[options] -- <command> [args...]\n' +
        '       vault-exec run [options] [-- <command> [args...]]   (development: reads vault-exec.yaml, may fall back to .env)\n' +
        '       vault-exec check [options]   (preflight: wait, log in, read every path; prints variable names, runs nothing)\n' +
        '       vault-exec env [options]     (prints the secret VALUES for later CI steps; the only command that prints values)',
    )
    .description('Wait for Vault, log in, put secrets in the environment, then run and supervise <command>.')
    .version(`vault-exec ${VERSION}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .argument('[command...]', 'the command to run (prefer putting it after "--")')
    .passThroughOptions()
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => {}, outputError: () => {} })
    .addHelpText('after', HELP_FOOTER);
  for (const spec of OPTIONS) {
    const shownDefault =
      spec.kind === 'boolean' ? ` (default: ${spec.key === 'revokeToken' ? 'revoke' : 'off'})` : '';
    const option = new Option(spec.flags, `${spec.description} (env: ${spec.env})${shownDefault}`);
    if (spec.kind === 'list')
      option.argParser((value: string, previous: string[] = []) => [...previous, value]);
    if (spec.choices) option.choices(spec.choices);
    if (spec.defaultValue !== undefined && spec.kind !== 'boolean' && spec.kind !== 'list')
      option.default(spec.defaultValue);
    program.addOption(option);
  }
  return program;
}

/** A flag on the command line wins over its VAULT_EXEC_* twin, then the project file, then the default. */
function mergeEnvTwins(program: Command, env: Env, fromFile: Record<string, unknown>): RawOptions {
  const parsed = program.opts<Record<string, unknown>>();
  const merged: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const fromCli = program.getOptionValueSource(spec.key) === 'cli';
    const envValue = env[spec.env];
    if (fromCli || envValue === undefined || envValue.trim() === '') {
      merged[spec.key] = fromCli
        ? parsed[spec.key]
        : (fromFile[spec.key] ?? parsed[spec.key] ?? spec.defaultValue);
      continue;
    }
    if (spec.kind === 'boolean')
      merged[spec.key] = parseBoolean(envValue, spec.env, spec.defaultValue as boolean);
    else if (spec.kind === 'list') merged[spec.key] = envValue.split(/[\s,]+/).filter((item) => item !== '');
    else if (spec.choices && !spec.choices.includes(envValue.trim())) {
      throw new UsageError(
        `invalid value ${quote(envValue)} for ${spec.env}: use one of ${spec.choices.join(', ')}`,
      );
    } else merged[spec.key] = envValue.trim();
  }
  return merged as unknown as RawOptions;
}

/** Where an option's value came from, in the order mergeEnvTwins applies. */
function sourceOf(
  program: Command,
  env: Env,
  key: keyof RawOptions,
  fromFile: Record<string, unknown> = {},
): 'command line' | 'env' | 'file' | 'default' {
  if (program.getOptionValueSource(key) === 'cli') return 'command line';
  const spec = OPTIONS.find((option) => option.key === key);
  if (spec !== undefined && nonBlank(env[spec.env]) !== undefined) return 'env';
  return fromFile[key] !== undefined ? 'file' : 'default';
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
