// The options table: every setting vault-exec reads, one row each. --help, the project file's keys,
// the README's options table (held to it by test/unit/readme.test.ts), the GitHub Action's inputs
// (src/action/inputs.ts) and the option types all come from these rows.
import { ENV_FORMATS } from './config';
import { DEFAULT_FILE_MODE } from './file-outputs';
import { LOG_FORMATS, LOG_LEVELS } from '../util/log';
import {
  AUTH_METHODS,
  DEFAULT_APPROLE_MOUNT,
  DEFAULT_ENV_FORMAT,
  DEFAULT_JWT_AUDIENCE,
  DEFAULT_KILL_TIMEOUT,
  DEFAULT_LOG_FORMAT,
  DEFAULT_LOG_LEVEL,
  DEFAULT_REQUEST_TIMEOUT,
  DEFAULT_VAULT_ADDR,
  DEFAULT_WAIT_TIMEOUT,
} from './config';

export const SUBCOMMANDS = ['run', 'check', 'env'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** How a value is checked wherever it comes from: a project file, a flag or its env twin. */
export type ValueShape =
  'duration' | 'url' | 'path' | 'secret-mapping' | 'path-import' | 'template' | 'choice' | 'boolean' | 'free';

export interface OptionRow {
  /** The option's name in the code (commander's attribute name for a flag). */
  key: string;
  /** Absent for a setting read from the environment only (the Vault CLI's VAULT_* variables). */
  flag?: `--${string}`;
  placeholder?: `<${string}>`;
  env: string;
  /**
   * The project-file key, or why the file may never hold it (and the keys that refusal answers).
   * Absent for an environment-only setting: the file does not know it.
   */
  file?: string | { never: string; keys: readonly string[] };
  shape: ValueShape;
  /** Repeatable on the command line; a list in the project file and in the env twin. */
  repeatable?: true;
  /**
   * How the env twin's list is split: at whitespace or commas, unless each item holds commas of its
   * own (a --certificate's alt_names), then at whitespace only.
   */
  envListSplit?: 'whitespace';
  choices?: readonly string[];
  default?: string | boolean;
  /** What --help and the README say when nothing is given, where that is not `default` itself. */
  shownDefault?: string;
  help: string;
  /** The commands it means something to; elsewhere a flag is refused and a twin or file key ignored. */
  commands: readonly Subcommand[];
  /** The GitHub Action's input that sets it (action.yml). */
  actionInput?: string;
  /** A credential: never in a project file, never passed to the child. */
  credential?: true;
}

const ALL = SUBCOMMANDS;
const CREDENTIALS_NEVER_IN_FILE = 'credentials never go in a project file';

export const OPTIONS = [
  {
    key: 'vaultAddr',
    flag: '--vault-addr',
    placeholder: '<url>',
    env: 'VAULT_ADDR',
    file: 'vault-addr',
    shape: 'url',
    default: DEFAULT_VAULT_ADDR,
    help: 'Vault server address',
    commands: ALL,
    actionInput: 'url',
  },
  {
    key: 'config',
    flag: '--config',
    placeholder: '<file>',
    env: 'VAULT_EXEC_CONFIG',
    file: { never: 'a project file cannot name another project file', keys: ['config'] },
    shape: 'path',
    help: 'read options from this YAML project file (run, check and env find vault-exec.yaml by themselves; none: read no file)',
    commands: ALL,
  },
  {
    key: 'waitTimeout',
    flag: '--wait-timeout',
    placeholder: '<duration>',
    env: 'VAULT_EXEC_WAIT_TIMEOUT',
    file: 'wait-timeout',
    shape: 'duration',
    default: DEFAULT_WAIT_TIMEOUT,
    help: 'how long to wait for Vault to become ready before exiting 69',
    commands: ALL,
    actionInput: 'wait-timeout',
  },
  {
    key: 'requestTimeout',
    flag: '--request-timeout',
    placeholder: '<duration>',
    env: 'VAULT_EXEC_REQUEST_TIMEOUT',
    file: 'request-timeout',
    shape: 'duration',
    default: DEFAULT_REQUEST_TIMEOUT,
    help: 'timeout of each HTTP request to Vault',
    commands: ALL,
  },
  {
    key: 'roleIdFile',
    flag: '--role-id-file',
    placeholder: '<path>',
    env: 'VAULT_EXEC_ROLE_ID_FILE',
    file: 'role-id-file',
    shape: 'path',
    help: 'read the AppRole role_id from this file (else VAULT_ROLE_ID)',
    commands: ALL,
  },
  {
    key: 'secretIdFile',
    flag: '--secret-id-file',
    placeholder: '<path>',
    env: 'VAULT_EXEC_SECRET_ID_FILE',
    file: 'secret-id-file',
    shape: 'path',
    help: 'read the AppRole secret_id from this file (else VAULT_SECRET_ID)',
    commands: ALL,
  },
  {
    key: 'removeSecretIdFile',
    flag: '--remove-secret-id-file',
    env: 'VAULT_EXEC_REMOVE_SECRET_ID_FILE',
    file: 'remove-secret-id-file',
    shape: 'boolean',
    default: false,
    help: 'delete the secret_id file after the first successful login',
    commands: ALL,
  },
  {
    key: 'secretIdWrapped',
    flag: '--secret-id-wrapped',
    env: 'VAULT_EXEC_SECRET_ID_WRAPPED',
    file: 'secret-id-wrapped',
    shape: 'boolean',
    default: false,
    help: 'the secret_id is a response-wrapping token: check where it was created, then unwrap it',
    commands: ALL,
  },
  {
    key: 'approleMount',
    flag: '--approle-mount',
    placeholder: '<path>',
    env: 'VAULT_EXEC_APPROLE_MOUNT',
    file: 'approle-mount',
    // A mount path inside Vault, not a file: a project file's value is not resolved against its directory.
    shape: 'free',
    default: DEFAULT_APPROLE_MOUNT,
    help: 'mount path of the AppRole auth method (an alias of --auth-mount)',
    commands: ALL,
  },
  {
    key: 'auth',
    flag: '--auth',
    placeholder: '<method>',
    env: 'VAULT_EXEC_AUTH',
    file: 'auth',
    shape: 'choice',
    choices: AUTH_METHODS,
    shownDefault: 'approle with a role_id, else token',
    help: 'how to log in: approle, token, jwt, kubernetes, aws or cert',
    commands: ALL,
    actionInput: 'method',
  },
  {
    key: 'authMount',
    flag: '--auth-mount',
    placeholder: '<path>',
    env: 'VAULT_EXEC_AUTH_MOUNT',
    file: 'auth-mount',
    shape: 'free',
    shownDefault: "the method's name",
    help: 'mount path of the auth method',
    commands: ALL,
    actionInput: 'auth-mount',
  },
  {
    key: 'role',
    flag: '--role',
    placeholder: '<name>',
    env: 'VAULT_EXEC_ROLE',
    file: 'role',
    shape: 'free',
    help: 'the Vault role to log in as (jwt, kubernetes and aws; cert: optional, the certificate role)',
    commands: ALL,
    actionInput: 'role',
  },
  {
    key: 'jwtFile',
    flag: '--jwt-file',
    placeholder: '<path>',
    env: 'VAULT_EXEC_JWT_FILE',
    file: 'jwt-file',
    shape: 'path',
    help: 'read the JWT from this file at every login (jwt: else VAULT_EXEC_JWT, else GitHub Actions OIDC; kubernetes: else the service-account token)',
    commands: ALL,
  },
  {
    key: 'jwtAudience',
    flag: '--jwt-audience',
    placeholder: '<aud>',
    env: 'VAULT_EXEC_JWT_AUDIENCE',
    file: 'jwt-audience',
    shape: 'free',
    default: DEFAULT_JWT_AUDIENCE,
    help: 'the audience (aud) of the GitHub Actions OIDC token vault-exec requests',
    commands: ALL,
    actionInput: 'jwt-audience',
  },
  {
    key: 'awsRegion',
    flag: '--aws-region',
    placeholder: '<region>',
    env: 'VAULT_EXEC_AWS_REGION',
    file: 'aws-region',
    shape: 'free',
    shownDefault: 'AWS_REGION, else global',
    help: "aws: sign for this region's STS endpoint (global: sts.amazonaws.com); the auth method's sts_endpoint and sts_region must match",
    commands: ALL,
  },
  {
    key: 'awsHeaderValue',
    flag: '--aws-header-value',
    placeholder: '<value>',
    env: 'VAULT_EXEC_AWS_HEADER_VALUE',
    file: 'aws-header-value',
    shape: 'free',
    help: "aws: the X-Vault-AWS-IAM-Server-ID header, when the auth method's iam_server_id_header_value is set",
    commands: ALL,
  },
  {
    key: 'secret',
    flag: '--secret',
    placeholder: '<NAME=PATH#KEY>',
    env: 'VAULT_EXEC_SECRET',
    file: 'secret',
    shape: 'secret-mapping',
    repeatable: true,
    help: 'set env NAME to KEY of the secret at PATH (repeatable)',
    commands: ALL,
  },
  {
    key: 'secrets',
    flag: '--secrets',
    placeholder: '<[PREFIX=]PATH>',
    env: 'VAULT_EXEC_SECRETS',
    file: 'secrets',
    shape: 'path-import',
    repeatable: true,
    help: 'set one env var per key of PATH, upper-cased, with an optional prefix (repeatable)',
    commands: ALL,
  },
  {
    key: 'killTimeout',
    flag: '--kill-timeout',
    placeholder: '<duration>',
    env: 'VAULT_EXEC_KILL_TIMEOUT',
    file: 'kill-timeout',
    shape: 'duration',
    default: DEFAULT_KILL_TIMEOUT,
    help: 'after a stop signal, a restart or a renewal failure, wait this long for the child before SIGKILL',
    commands: ALL,
  },
  {
    key: 'user',
    flag: '--user',
    placeholder: '<user[:group]>',
    env: 'VAULT_EXEC_USER',
    file: 'user',
    shape: 'free',
    // env starts no child, so it does not look the user up; check does, as a start would.
    help: 'run the child as this user (name or uid) and group (name or gid); vault-exec must start as root',
    commands: ALL,
  },
  {
    key: 'watch',
    flag: '--watch',
    placeholder: '<interval>',
    env: 'VAULT_EXEC_WATCH',
    file: 'watch',
    shape: 'duration',
    shownDefault: 'off',
    help: 'every <interval>, check the static secrets in use and restart the child gracefully when one changed',
    commands: ALL,
  },
  {
    key: 'file',
    flag: '--file',
    placeholder: '<DEST=PATH#KEY>',
    env: 'VAULT_EXEC_FILE',
    file: 'file',
    shape: 'free',
    repeatable: true,
    help: 'write KEY of the secret at PATH to the file DEST in --files-dir (repeatable)',
    commands: ['run', 'check'],
  },
  {
    key: 'template',
    flag: '--template',
    placeholder: '<SRC:DEST>',
    env: 'VAULT_EXEC_TEMPLATE',
    file: 'template',
    shape: 'template',
    repeatable: true,
    help: 'write the file SRC to DEST in --files-dir with its ${vault:PATH#KEY} references filled in (repeatable)',
    commands: ['run', 'check'],
  },
  {
    key: 'certificate',
    flag: '--certificate',
    placeholder: '<NAME=MOUNT/ROLE?common_name=CN[&...]>',
    env: 'VAULT_EXEC_CERTIFICATE',
    file: 'certificate',
    shape: 'free',
    repeatable: true,
    envListSplit: 'whitespace',
    help: 'issue a certificate from the PKI role (alt_names, ip_sans, uri_sans, ttl also taken) into NAME.crt, NAME.key and NAME.ca.crt, and reissue it at about 2/3 of its life (repeatable)',
    commands: ['run', 'check'],
  },
  {
    key: 'filesDir',
    flag: '--files-dir',
    placeholder: '<dir>',
    env: 'VAULT_EXEC_FILES_DIR',
    file: 'files-dir',
    shape: 'path',
    shownDefault: 'a fresh private directory in /dev/shm or $XDG_RUNTIME_DIR',
    help: 'where --file, --template and --certificate write (the child gets it as VAULT_EXEC_FILES_DIR); a disk-backed directory only when named here',
    commands: ['run', 'check'],
  },
  {
    key: 'fileMode',
    flag: '--file-mode',
    placeholder: '<mode>',
    env: 'VAULT_EXEC_FILE_MODE',
    file: 'file-mode',
    shape: 'free',
    default: DEFAULT_FILE_MODE,
    help: "the written files' mode (octal; owned by the --user account; never readable by others)",
    commands: ['run', 'check'],
  },
  {
    key: 'reloadSignal',
    flag: '--reload-signal',
    placeholder: '<signal>',
    env: 'VAULT_EXEC_RELOAD_SIGNAL',
    file: 'reload-signal',
    shape: 'free',
    shownDefault: 'restart',
    help: 'when only files changed, rewrite them and send the child this signal (HUP, USR1, USR2, WINCH, ALRM) instead of restarting it',
    commands: ['run', 'check'],
  },
  {
    key: 'metricsAddr',
    flag: '--metrics-addr',
    placeholder: '<[host:]port>',
    env: 'VAULT_EXEC_METRICS_ADDR',
    file: 'metrics-addr',
    shape: 'free',
    shownDefault: 'off',
    help: 'serve Prometheus /metrics, /healthz and /readyz on this address (a bare port listens on 127.0.0.1 only)',
    commands: ['run'],
  },
  {
    key: 'fallbackEnv',
    flag: '--fallback-env',
    placeholder: '<file>',
    env: 'VAULT_EXEC_FALLBACK_ENV',
    file: 'fallback-env',
    shape: 'path',
    help: 'vault-exec run only, never in production: when Vault stays unreachable or sealed, take the mapped names from this .env file',
    commands: ['run'],
  },
  {
    key: 'passToken',
    flag: '--pass-token',
    env: 'VAULT_EXEC_PASS_TOKEN',
    file: 'pass-token',
    shape: 'boolean',
    default: false,
    help: "give the child vault-exec's token as VAULT_TOKEN",
    commands: ['run', 'check'],
  },
  {
    key: 'mask',
    flag: '--mask',
    env: 'VAULT_EXEC_MASK',
    file: 'mask',
    shape: 'boolean',
    default: false,
    help: "CI: pipe the child's stdout and stderr through vault-exec and replace every secret value with ***",
    commands: ALL,
  },
  {
    key: 'format',
    flag: '--format',
    placeholder: '<format>',
    env: 'VAULT_EXEC_ENV_FORMAT',
    file: 'format',
    shape: 'choice',
    choices: ENV_FORMATS,
    default: DEFAULT_ENV_FORMAT,
    help: 'vault-exec env: dotenv, docker, json, shell or github',
    commands: ['env'],
  },
  {
    key: 'force',
    flag: '--force',
    env: 'VAULT_EXEC_ENV_FORCE',
    file: 'force',
    shape: 'boolean',
    default: false,
    help: 'vault-exec env: print the values even when stdout is a terminal',
    commands: ['env'],
  },
  {
    key: 'revokeToken',
    flag: '--no-revoke-token',
    env: 'VAULT_EXEC_REVOKE_TOKEN',
    // Written as it is spelt: `no-revoke-token: true` turns revocation off.
    file: 'no-revoke-token',
    shape: 'boolean',
    default: true,
    shownDefault: 'revoke',
    help: 'do not revoke the token when vault-exec exits',
    commands: ALL,
  },
  {
    key: 'processGroup',
    flag: '--process-group',
    env: 'VAULT_EXEC_PROCESS_GROUP',
    file: 'process-group',
    shape: 'boolean',
    default: false,
    help: 'run the child in its own process group and signal the whole group (not with a terminal)',
    commands: ALL,
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    placeholder: '<level>',
    env: 'VAULT_EXEC_LOG_LEVEL',
    file: 'log-level',
    shape: 'choice',
    choices: LOG_LEVELS,
    default: DEFAULT_LOG_LEVEL,
    help: 'error, warn, info or debug',
    commands: ALL,
    actionInput: 'log-level',
  },
  {
    key: 'logFormat',
    flag: '--log-format',
    placeholder: '<format>',
    env: 'VAULT_EXEC_LOG_FORMAT',
    file: 'log-format',
    shape: 'choice',
    choices: LOG_FORMATS,
    default: DEFAULT_LOG_FORMAT,
    help: 'text or json',
    commands: ALL,
  },
  // The Vault CLI's own variables, read as it reads them: no flag, no project-file key.
  {
    key: 'namespace',
    env: 'VAULT_NAMESPACE',
    shape: 'free',
    help: 'the Vault Enterprise namespace',
    commands: ALL,
    actionInput: 'namespace',
  },
  {
    key: 'caCert',
    env: 'VAULT_CACERT',
    shape: 'path',
    help: "a PEM file of the CA that signs Vault's certificate",
    commands: ALL,
    actionInput: 'ca-cert',
  },
  {
    key: 'caPath',
    env: 'VAULT_CAPATH',
    shape: 'path',
    help: 'a directory of PEM CA certificates',
    commands: ALL,
  },
  {
    key: 'clientCert',
    env: 'VAULT_CLIENT_CERT',
    shape: 'path',
    help: 'the client certificate for mutual TLS (with VAULT_CLIENT_KEY)',
    commands: ALL,
  },
  {
    key: 'clientKey',
    env: 'VAULT_CLIENT_KEY',
    shape: 'path',
    help: 'the private key of VAULT_CLIENT_CERT',
    commands: ALL,
  },
  {
    key: 'tlsServerName',
    env: 'VAULT_TLS_SERVER_NAME',
    shape: 'free',
    help: "the name to expect in Vault's certificate, when it is not the address's host",
    commands: ALL,
  },
  {
    key: 'skipVerify',
    env: 'VAULT_SKIP_VERIFY',
    shape: 'boolean',
    default: false,
    help: "do not verify Vault's certificate (parsed strictly: false keeps verification on)",
    commands: ALL,
  },
  {
    key: 'vaultConfigPath',
    env: 'VAULT_CONFIG_PATH',
    shape: 'path',
    shownDefault: '~/.vault',
    help: "the Vault CLI's config file, whose token_helper is asked for your own token",
    commands: ALL,
  },
  {
    key: 'roleId',
    env: 'VAULT_ROLE_ID',
    file: { never: `${CREDENTIALS_NEVER_IN_FILE}: use role-id-file, or VAULT_ROLE_ID`, keys: ['role-id'] },
    shape: 'free',
    help: 'the AppRole role_id (or --role-id-file)',
    commands: ALL,
    actionInput: 'role-id',
    credential: true,
  },
  {
    key: 'secretId',
    env: 'VAULT_SECRET_ID',
    file: {
      never: `${CREDENTIALS_NEVER_IN_FILE}: use secret-id-file, naming a file kept out of version control`,
      keys: ['secret-id'],
    },
    shape: 'free',
    help: 'the AppRole secret_id (or --secret-id-file; there is no flag: command lines are readable by every user)',
    commands: ALL,
    actionInput: 'secret-id',
    credential: true,
  },
  {
    key: 'token',
    env: 'VAULT_TOKEN',
    file: {
      never: `${CREDENTIALS_NEVER_IN_FILE}: log in with \`vault login\` (or set VAULT_TOKEN)`,
      keys: ['token', 'vault-token'],
    },
    shape: 'free',
    help: 'your own Vault token (else the token helper, else ~/.vault-token)',
    commands: ALL,
    actionInput: 'token',
    credential: true,
  },
  {
    key: 'jwt',
    env: 'VAULT_EXEC_JWT',
    file: { never: `${CREDENTIALS_NEVER_IN_FILE}: use jwt-file, or VAULT_EXEC_JWT`, keys: ['jwt'] },
    shape: 'free',
    help: 'the JWT of --auth jwt (GitLab CI: id_tokens)',
    commands: ALL,
    credential: true,
  },
] as const satisfies readonly OptionRow[];

export type OptionSpec = (typeof OPTIONS)[number];
export type OptionKey = OptionSpec['key'];
/** The rows with a flag: each has an env twin and (but --config) a project-file key. */
export type FlagSpec = Extract<OptionSpec, { flag: string }>;
export type FlagKey = FlagSpec['key'];
export type SettingKey = Exclude<OptionKey, FlagKey>;

type TextOf<Row> = Row extends { choices: readonly (infer Choice)[] } ? Choice : string;
type ValueOf<Row> = Row extends { shape: 'boolean' }
  ? boolean
  : Row extends { repeatable: true }
    ? string[]
    : Row extends { default: string }
      ? TextOf<Row>
      : TextOf<Row> | undefined;

/** A flag's value as the command line, its twin or the project file gives it, once merged. */
export type FlagValues = { [Row in FlagSpec as Row['key']]: ValueOf<Row> };

export const FLAG_OPTIONS: readonly FlagSpec[] = OPTIONS.filter((row): row is FlagSpec => 'flag' in row);

export function optionSpec<Key extends OptionKey>(key: Key): Extract<OptionSpec, { key: Key }> {
  return OPTIONS.find((row) => row.key === key) as Extract<OptionSpec, { key: Key }>;
}

/** The env name of a setting, from the table, so no VAULT_* name is spelt twice. */
export function envNameOf(key: OptionKey): string {
  return optionSpec(key).env;
}

/** What --help and the README say the default is; '' when there is none to say. */
export function shownDefaultOf(row: OptionRow): string {
  if (row.shownDefault !== undefined) return row.shownDefault;
  if (typeof row.default === 'boolean') return row.default ? 'on' : 'off';
  return row.default ?? '';
}

/** Lines for the README options table, so the two cannot drift apart. */
export function describeOptions(): Array<{ flag: string; env: string; defaultValue: string }> {
  return FLAG_OPTIONS.map((row) => ({
    flag: 'placeholder' in row ? `${row.flag} ${row.placeholder}` : row.flag,
    env: row.env,
    defaultValue: shownDefaultOf(row),
  }));
}
