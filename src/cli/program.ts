// The commander program: the flags and --help, both from the options table and the exit-code table.
import type { Command, Option } from 'commander';
import { EXIT_CODES } from '../util/exit-codes';
import { VERSION } from '../util/version';
import { FLAG_OPTIONS, shownDefaultOf, type FlagSpec } from './options';

const HELP_WIDTH = 80;

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
In the inherited environment, NAME=vault:PATH#KEY and \${vault:PATH#KEY} are resolved;
any other value that starts with vault: (IMAGE=vault:1.13) is passed on as it is.
VAULT_EXEC_SECRET and VAULT_EXEC_SECRETS take whitespace- or comma-separated lists.
Project file: "vault-exec run", "check" and "env" read the nearest vault-exec.yaml (or .yml)
up to the repository root; keys are the long flag names without "--", plus "command".
A found file names credential files only inside its repository, and its
vault-addr gets only credentials from there; pass a file you trust with --config.
A flag on the command line wins over its env twin, which wins over the project file.

vault-exec env logs in and reads exactly as a start would, prints only the secret
variables (not the inherited environment) and runs nothing. It revokes its token,
unless it printed dynamic credentials: those it leaves valid for their TTL, and
says how long. It refuses a terminal unless --force. --format (default dotenv):
  dotenv  NAME='value' (or "value", or unquoted), read back exactly by the dotenv
          package, Node's util.parseEnv / --env-file and Docker Compose
          (--env-file, env_file:); refuses a value none of those forms carries
  docker  NAME=value, read literally by docker run --env-file; refuses multi-line values
  json    one JSON object on one line, any value
  shell   export NAME='value' lines for eval in a POSIX shell
  github  appends NAME<<DELIMITER blocks to $GITHUB_ENV and first prints
          ::add-mask:: for every line of every value
All but json refuse (exit 65) a value no environment variable can hold: a NUL
byte, or over 128 KiB.
--mask is for CI logs: the child's stdout and stderr become pipes (no terminal).

${wrap(
  `Exit codes: the child's code, or 128+N if it died of signal N; ${EXIT_CODES.map(
    (row) => `${row.code} ${row.help}`,
  ).join(', ')}.`,
)}

Example:
  VAULT_ADDR=https://vault:8200 vault-exec --secret DB_PASSWORD=secret/app/db#password -- node server.js`;

/** The program for one parse; `writeOut` receives --help and --version. */
export function buildProgram(writeOut: (text: string) => void): Command {
  // Loaded only for a line the direct reading leaves to commander (readPlainFlags, parse-command-line.ts).
  const { Command } = loadCommander();
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
  for (const row of FLAG_OPTIONS) program.addOption(optionOf(row));
  return program;
}

function optionOf(row: FlagSpec): Option {
  const flags = 'placeholder' in row ? `${row.flag} ${row.placeholder}` : row.flag;
  // commander shows a string default itself, as (default: "60s"); the others are said in words.
  const saysDefault = row.shape === 'boolean' || !('default' in row);
  const shown = saysDefault && shownDefaultOf(row) !== '' ? ` (default: ${shownDefaultOf(row)})` : '';
  const option = new (loadCommander().Option)(flags, `${row.help} (env: ${row.env})${shown}`);
  if ('repeatable' in row) option.argParser((value: string, previous: string[] = []) => [...previous, value]);
  if ('choices' in row) option.choices(row.choices);
  if ('default' in row && row.shape !== 'boolean') option.default(row.default);
  return option;
}

/** Greedy word wrap, for the one paragraph built from a table; a code (or "a") stays with the next word. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(?<!(?:^| )(?:\d+|a)) /)) {
    if (line !== '' && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

const loadCommander = (): typeof import('commander') => require('commander') as typeof import('commander');
