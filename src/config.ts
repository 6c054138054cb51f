import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from './duration';
import { UsageError, quote } from './errors';
import type { LogFormat, LogLevel } from './log';
import {
  findEnvTemplates,
  parsePathImport,
  parseSecretMapping,
  type EnvTemplate,
  type PathImport,
  type SecretMapping,
} from './refs';

/** Defaults, in one place. The README's options table quotes these. */
export const DEFAULT_VAULT_ADDR = 'https://127.0.0.1:8200';
export const DEFAULT_WAIT_TIMEOUT = '60s';
export const DEFAULT_KILL_TIMEOUT = '10s';
/** Long enough for a loaded Vault, short enough that a hung connection is noticed well within a token's TTL. */
export const DEFAULT_REQUEST_TIMEOUT = '10s';
export const DEFAULT_APPROLE_MOUNT = 'approle';

/** The child never receives these unless --pass-token asks for the token. */
export const CREDENTIAL_ENV_NAMES = ['VAULT_ROLE_ID', 'VAULT_SECRET_ID', 'VAULT_TOKEN'] as const;

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
  | { method: 'token'; token: string; source: string };

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
  logLevel: LogLevel;
  logFormat: LogFormat;
}

/** Flag values after commander and the VAULT_EXEC_* twins have been merged (see cli.ts). */
export interface RawOptions {
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
  secret: string[];
  secrets: string[];
  passToken: boolean;
  revokeToken: boolean;
  processGroup: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export type Env = Record<string, string | undefined>;

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
    templates: findEnvTemplates(referenceCandidates(env)),
    passToken: options.passToken,
    revokeToken: options.revokeToken,
    processGroup: options.processGroup,
    logLevel: options.logLevel,
    logFormat: options.logFormat,
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
  const roleId = options.roleIdFile
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
      mount: trimSlashes(options.approleMount),
      secretIdFile: options.secretIdFile,
      removeSecretIdFile: options.removeSecretIdFile,
    };
  }
  if (options.secretIdFile || nonEmpty(env.VAULT_SECRET_ID)) {
    throw new UsageError('a secret_id was given without a role_id: set VAULT_ROLE_ID or --role-id-file');
  }
  const token = nonEmpty(env.VAULT_TOKEN);
  if (token !== undefined) return { method: 'token', token, source: 'VAULT_TOKEN' };
  const tokenFile = join(env.HOME ?? homedir(), '.vault-token');
  const fileToken = tryRead(tokenFile, readFile);
  if (fileToken !== undefined) return { method: 'token', token: fileToken, source: '~/.vault-token' };
  throw new UsageError(
    'no Vault credentials: set VAULT_ROLE_ID and VAULT_SECRET_ID (or --role-id-file and --secret-id-file) for AppRole, or VAULT_TOKEN for development',
  );
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

function tryRead(path: string, readFile: (path: string) => string): string | undefined {
  try {
    return nonEmpty(readFile(path).trim());
  } catch {
    return undefined;
  }
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

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
