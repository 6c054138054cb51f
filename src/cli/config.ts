import type { Env } from '../util/env';
import { readFileSync } from 'node:fs';
import { resolveRunAs, type RunAs } from '../child/run-as';
import { parseDuration } from '../util/duration';
import { findDeveloperToken } from '../resolve/own-token';
import { UsageError, quote } from '../util/errors';
import type { EnvFormat } from '../commands/env-formats';
import { chooseJwtSource, JWT_ENV_NAME, type JwtSource } from '../resolve/jwt-source';
import type { LogFormat, LogLevel } from '../util/log';
import {
  findEnvTemplates,
  parsePathImport,
  parseSecretMapping,
  type EnvTemplate,
  type PathImport,
  type SecretMapping,
} from './secret-references';

/** Defaults, in one place. The README's options table quotes these. */
export const DEFAULT_VAULT_ADDR = 'https://127.0.0.1:8200';
export const DEFAULT_WAIT_TIMEOUT = '60s';
/**
 * docker stop (and compose) SIGKILL the whole container 10 s after SIGTERM. 7 s for the child, then up
 * to 2 s for the token revocation (REVOKE_TIMEOUT_MS in run.ts), still ends vault-exec inside those
 * 10 s with a second to spare. The rule for any other grace period: --kill-timeout + 2 s <= grace.
 */
export const DEFAULT_KILL_TIMEOUT = '7s';
/** Long enough for a loaded Vault, short enough that a hung connection is noticed well within a token's TTL. */
export const DEFAULT_REQUEST_TIMEOUT = '10s';
export const DEFAULT_APPROLE_MOUNT = 'approle';
/** `vault-exec env`: the format every dotenv loader reads (see src/env-formats/dotenv.ts). */
export const DEFAULT_ENV_FORMAT: EnvFormat = 'dotenv';
export const AUTH_METHODS = ['approle', 'token', 'jwt', 'kubernetes'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
/** vault-action's default for the GitHub OIDC token's audience, so one Vault role serves both. */
export const DEFAULT_JWT_AUDIENCE = 'sigstore';
export const DEFAULT_KUBERNETES_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The child never receives these unless --pass-token asks for the token. */
export const CREDENTIAL_ENV_NAMES = [
  'VAULT_ROLE_ID',
  'VAULT_SECRET_ID',
  'VAULT_TOKEN',
  JWT_ENV_NAME,
] as const;

export interface TlsConfig {
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  serverName?: string;
  skipVerify: boolean;
}

export type AuthConfig =
  | {
      method: 'approle';
      roleId: string;
      secretId?: string;
      /** The secret_id is a response-wrapping token, unwrapped before the first login. */
      secretIdWrapped: boolean;
      mount: string;
      secretIdFile?: string;
      removeSecretIdFile: boolean;
    }
  | { method: 'token'; token: string; source: string }
  | ({ method: 'jwt' } & RoleLogin)
  | ({ method: 'kubernetes' } & RoleLogin);

/** A login with a Vault role and a JWT: Vault's jwt and kubernetes auth methods take the same body. */
export interface RoleLogin {
  mount: string;
  role: string;
  jwt: JwtSource;
}

export interface Config {
  command: string[];
  vaultAddr: string;
  namespace?: string;
  tls: TlsConfig;
  requestTimeoutMs: number;
  waitTimeoutMs: number;
  killTimeoutMs: number;
  /** --watch: how often to look for changed static secrets; undefined means never. */
  watchIntervalMs?: number;
  auth: AuthConfig;
  secrets: SecretMapping[];
  pathImports: PathImport[];
  templates: EnvTemplate[];
  passToken: boolean;
  revokeToken: boolean;
  /** --process-group: the child leads its own process group, and signals go to the whole group. */
  processGroup: boolean;
  /** --mask: the child's stdout and stderr are piped through vault-exec and secret values replaced. */
  mask: boolean;
  /** `vault-exec env` only: how to print the secrets, and whether a terminal may see them. */
  envFormat: EnvFormat;
  forceTerminal: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** --user: the child runs as this uid/gid; undefined keeps vault-exec's own. */
  runAs?: RunAs;
  /** The project file the options came from, if any (logged at start). */
  projectFile?: string;
  /** `vault-exec run` in development: the .env file to use when Vault stays unreachable. */
  fallbackEnv?: string;
}

/** Flag values after commander and the VAULT_EXEC_* twins have been merged (see cli.ts). */
export interface RawOptions {
  config?: string;
  fallbackEnv?: string;
  vaultAddr: string;
  waitTimeout: string;
  killTimeout: string;
  requestTimeout: string;
  watch?: string;
  roleIdFile?: string;
  secretIdFile?: string;
  removeSecretIdFile: boolean;
  secretIdWrapped: boolean;
  approleMount: string;
  auth?: AuthMethod;
  authMount?: string;
  role?: string;
  jwtFile?: string;
  jwtAudience: string;
  secret: string[];
  secrets: string[];
  passToken: boolean;
  revokeToken: boolean;
  processGroup: boolean;
  // Optional, so code that builds RawOptions for a run need not know about env's and --mask's flags.
  mask?: boolean;
  format?: EnvFormat;
  force?: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  user?: string;
}

export interface ConfigSources {
  env: Env;
  readFile?: (path: string) => string;
  /** `check` runs no child, so it needs no command. */
  commandRequired?: boolean;
}

export function buildConfig(
  command: string[],
  options: RawOptions,
  { env, readFile = readText, commandRequired = true }: ConfigSources,
): Config {
  if (commandRequired && (command.length === 0 || command[0] === '')) {
    throw new UsageError('no command given: use vault-exec [options] -- <command> [args...]');
  }
  // First: a wrong --user must fail before anything reads credentials or waits for Vault.
  const runAs =
    options.user === undefined || !commandRequired // check starts no child
      ? undefined
      : resolveRunAs(options.user, { readFile, uid: process.getuid?.(), gid: process.getgid?.() });
  const mappings = options.secret.map(parseSecretMapping);
  const duplicate = mappings.find(
    (mapping, index) => mappings.findIndex((other) => other.name === mapping.name) !== index,
  );
  if (duplicate)
    throw new UsageError(
      `--secret ${duplicate.name} is given more than once: each variable name may appear once`,
    );

  return {
    command,
    vaultAddr: parseAddress(options.vaultAddr),
    namespace: nonEmpty(env.VAULT_NAMESPACE),
    tls: {
      caCert: nonEmpty(env.VAULT_CACERT),
      caPath: nonEmpty(env.VAULT_CAPATH),
      clientCert: nonEmpty(env.VAULT_CLIENT_CERT),
      clientKey: nonEmpty(env.VAULT_CLIENT_KEY),
      serverName: nonEmpty(env.VAULT_TLS_SERVER_NAME),
      skipVerify: parseBoolean(env.VAULT_SKIP_VERIFY, 'VAULT_SKIP_VERIFY', false),
    },
    requestTimeoutMs: positive(
      parseDuration(options.requestTimeout, '--request-timeout'),
      '--request-timeout',
    ),
    waitTimeoutMs: parseDuration(options.waitTimeout, '--wait-timeout'),
    killTimeoutMs: parseDuration(options.killTimeout, '--kill-timeout'),
    watchIntervalMs:
      options.watch === undefined ? undefined : positive(parseDuration(options.watch, '--watch'), '--watch'),
    auth: resolveAuth(options, env, readFile),
    secrets: mappings,
    pathImports: options.secrets.map(parsePathImport),
    templates: findEnvTemplates(referenceCandidates(env)).templates,
    passToken: options.passToken,
    revokeToken: options.revokeToken,
    processGroup: options.processGroup,
    mask: options.mask ?? false,
    envFormat: options.format ?? DEFAULT_ENV_FORMAT,
    forceTerminal: options.force ?? false,
    logLevel: options.logLevel,
    logFormat: options.logFormat,
    runAs,
    fallbackEnv: options.fallbackEnv,
  };
}

/** Strict, as the Vault CLI's strconv.ParseBool: "false" must keep TLS verification on. */
export function parseBoolean(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  const normalised = value.trim().toLowerCase();
  if (['1', 't', 'true', 'yes', 'on'].includes(normalised)) return true;
  if (['0', 'f', 'false', 'no', 'off'].includes(normalised)) return false;
  throw new UsageError(`invalid value ${quote(value)} for ${name}: use true or false`);
}

function resolveAuth(options: RawOptions, env: Env, readFile: (path: string) => string): AuthConfig {
  const method = options.auth;
  if (method === 'jwt' || method === 'kubernetes') return resolveRoleLogin(method, options, env, readFile);
  // Without --auth these would be ignored, and the login fail later with a misleading hint.
  const jwtFlag =
    nonEmpty(options.role) !== undefined ? '--role' : nonEmpty(options.jwtFile) ? '--jwt-file' : '';
  if (jwtFlag !== '')
    throw new UsageError(
      `${jwtFlag} is for --auth jwt or --auth kubernetes${method === undefined ? '' : `, not ${method}`}: add --auth (or VAULT_EXEC_AUTH)`,
    );
  const roleId =
    method === 'token'
      ? undefined
      : options.roleIdFile
        ? readCredentialFile(options.roleIdFile, '--role-id-file', readFile)
        : nonEmpty(env.VAULT_ROLE_ID);
  if (roleId !== undefined) {
    const secretId = options.secretIdFile
      ? readCredentialFile(options.secretIdFile, '--secret-id-file', readFile)
      : nonEmpty(env.VAULT_SECRET_ID);
    return {
      method: 'approle',
      roleId,
      secretId,
      secretIdWrapped: options.secretIdWrapped,
      mount: mountPath(options.authMount ?? options.approleMount),
      secretIdFile: options.secretIdFile,
      removeSecretIdFile: options.removeSecretIdFile,
    };
  }
  if (method === 'approle')
    throw new UsageError('--auth approle needs a role_id: set VAULT_ROLE_ID or --role-id-file');
  if (method !== 'token' && (options.secretIdFile || nonEmpty(env.VAULT_SECRET_ID))) {
    throw new UsageError('a secret_id was given without a role_id: set VAULT_ROLE_ID or --role-id-file');
  }
  const developer = findDeveloperToken(env, readFile);
  if (developer !== undefined) return { method: 'token', ...developer };
  throw new UsageError(
    'no Vault credentials: set VAULT_ROLE_ID and VAULT_SECRET_ID (or --role-id-file and --secret-id-file) for AppRole, or for development log in with `vault login` (or set VAULT_TOKEN)',
  );
}

/** jwt and kubernetes: the role is required, the JWT's source is chosen now and read at each login. */
function resolveRoleLogin(
  method: 'jwt' | 'kubernetes',
  options: RawOptions,
  env: Env,
  readFile: (path: string) => string,
): AuthConfig {
  const role = nonEmpty(options.role);
  if (role === undefined)
    throw new UsageError(
      `--auth ${method} needs --role (or VAULT_EXEC_ROLE): the name of the Vault role at auth/${mountPath(options.authMount ?? method)}/role/<name>`,
    );
  const jwt = chooseJwtSource(
    method,
    {
      jwtFile: nonEmpty(options.jwtFile),
      jwtAudience: options.jwtAudience,
      kubernetesTokenPath: DEFAULT_KUBERNETES_TOKEN_PATH,
    },
    env,
  );
  // Read once now so a wrong path fails before waiting for Vault; each login reads it again.
  if (jwt.kind === 'file') {
    try {
      readCredentialFile(jwt.path, jwt.origin, readFile);
    } catch (error) {
      if (options.jwtFile !== undefined) throw error;
      throw new UsageError(
        `${(error as Error).message} (is this a Kubernetes pod with a service account token mounted? otherwise give --jwt-file)`,
      );
    }
  }
  return { method, mount: mountPath(options.authMount ?? method), role, jwt };
}

function readCredentialFile(path: string, flag: string, readFile: (path: string) => string): string {
  let content: string;
  try {
    content = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new UsageError(`cannot read ${flag} ${path}: ${reason}`, { cause: error });
  }
  const value = content.trim();
  if (value === '') throw new UsageError(`${flag} ${path} is empty`);
  return value;
}

/** Our own settings (VAULT_*) are never treated as references, so VAULT_ADDR=vault:8200-style values stay legal. */
function referenceCandidates(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('VAULT_')));
}

function parseAddress(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `invalid Vault address ${quote(text)}: expected a URL such as https://vault.example.com:8200`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid Vault address ${quote(text)}: the scheme must be http or https`);
  }
  return text.replace(/\/+$/, '');
}

function positive(ms: number, flag: string): number {
  if (ms <= 0) throw new UsageError(`${flag} must be greater than zero`);
  return ms;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function mountPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') throw new UsageError(`invalid mount path ${quote(path)}: name the auth method's mount`);
  return trimmed;
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
