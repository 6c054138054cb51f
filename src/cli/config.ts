// What a start runs with, once parsed and resolved (cli/ parses, resolve/ reads what must be read),
// and the defaults the options table quotes.
import type { LogFormat, LogLevel } from '../util/log';
import type { FileOutputs } from './file-outputs';
import type { EnvTemplate, PathImport, SecretMapping } from './secret-references';

/** Who the child runs as (--user): vault-exec itself stays root to log in and read. */
export interface RunAs {
  uid: number;
  gid: number;
  /** The passwd name, or undefined for a numeric uid the image has no entry for. */
  name?: string;
  home: string;
}

/** `vault-exec env --format`: who reads what it prints (commands/env-formats/). */
export const ENV_FORMATS = ['dotenv', 'docker', 'json', 'shell', 'github'] as const;
export type EnvFormat = (typeof ENV_FORMATS)[number];

/** Defaults, in one place. The README's options table quotes these. */
export const DEFAULT_VAULT_ADDR = 'https://127.0.0.1:8200';
export const DEFAULT_WAIT_TIMEOUT = '60s';
/**
 * docker stop (and compose) SIGKILL the whole container 10 s after SIGTERM. 7 s for the child, then up
 * to 2 s for the clean-up (CLEAN_UP_BUDGET_MS in running/credential-ledger.ts), still ends vault-exec
 * inside those 10 s with a second to spare. The rule for any other grace period:
 * --kill-timeout + 2 s <= grace.
 */
export const DEFAULT_KILL_TIMEOUT = '7s';
/** Long enough for a loaded Vault, short enough that a hung connection is noticed well within a token's TTL. */
export const DEFAULT_REQUEST_TIMEOUT = '10s';
export const DEFAULT_APPROLE_MOUNT = 'approle';
/** `vault-exec env`: the format every dotenv loader reads (see commands/env-formats/dotenv.ts). */
export const DEFAULT_ENV_FORMAT: EnvFormat = 'dotenv';
export const AUTH_METHODS = ['approle', 'token', 'jwt', 'kubernetes', 'aws', 'cert'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
/** vault-action's default for the GitHub OIDC token's audience, so one Vault role serves both. */
export const DEFAULT_JWT_AUDIENCE = 'sigstore';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
export const DEFAULT_LOG_FORMAT: LogFormat = 'text';
export const DEFAULT_KUBERNETES_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The child never receives these unless --pass-token asks for the token. They are the credential
 * rows of the options table (cli/options.ts), which a unit test holds this list to.
 */
export const CREDENTIAL_ENV_NAMES = [
  'VAULT_ROLE_ID',
  'VAULT_SECRET_ID',
  'VAULT_TOKEN',
  'VAULT_EXEC_JWT',
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
  | ({ method: 'kubernetes' } & RoleLogin)
  | AwsLogin
  /** The TLS client certificate (VAULT_CLIENT_CERT) is the credential; `role` names a certificate role. */
  | { method: 'cert'; mount: string; role?: string };

/**
 * Vault's aws auth method, iam type: a signed sts:GetCallerIdentity request. `sts` is where the
 * request is addressed (and so what Vault's sts_endpoint must be); `region` is the signing region.
 */
export interface AwsLogin {
  method: 'aws';
  mount: string;
  role: string;
  sts: { url: string; region: string };
  /** X-Vault-AWS-IAM-Server-ID, signed into the request, when the auth method requires one. */
  headerValue?: string;
  credentials: AwsCredentialSource;
}

/**
 * Where AWS credentials come from, chosen at start-up in the SDKs' order. Temporary credentials
 * (all but `env`) are fetched at login and fetched again before they expire.
 */
export type AwsCredentialSource =
  | { kind: 'env'; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** EKS IRSA: a projected token exchanged with sts:AssumeRoleWithWebIdentity. */
  | { kind: 'web-identity'; tokenFile: string; roleArn: string; sessionName?: string; stsUrl: string }
  /** The ECS (or EKS Pod Identity) container credentials endpoint. */
  | {
      kind: 'container';
      url: string;
      /** Where the URL came from, for messages: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI. */
      origin: string;
      authorization?: { kind: 'value'; value: string } | { kind: 'file'; path: string };
    }
  /** EC2 instance metadata, IMDSv2 (a session token first). */
  | { kind: 'imds'; endpoint: string };

/**
 * Where the JWT of a jwt or kubernetes login comes from. Only the place is chosen at start-up; the
 * JWT itself is read (or requested) again at every login, because CI and projected service-account
 * tokens live minutes while a token's max TTL can be longer.
 */
export type JwtSource =
  | { kind: 'file'; path: string; origin: string }
  | { kind: 'env'; name: string; value: string }
  | { kind: 'github'; requestUrl: string; requestToken: string; audience: string };

/** A login with a Vault role and a JWT: Vault's jwt and kubernetes auth methods take the same body. */
export interface RoleLogin {
  mount: string;
  role: string;
  jwt: JwtSource;
}

/** A TCP address to listen on; the host as given (a name, an IPv4 or IPv6 address). */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface Config {
  command: string[];
  vaultAddr: string;
  namespace?: string;
  tls: TlsConfig;
  requestTimeoutMs: number;
  waitTimeoutMs: number;
  killTimeoutMs: number;
  /** --metrics-addr: where to serve /metrics, /healthz and /readyz; undefined means no listener. */
  metricsAddr?: ListenAddress;
  /** --watch: how often to look for changed static secrets; undefined means never. */
  watchIntervalMs?: number;
  auth: AuthConfig;
  secrets: SecretMapping[];
  pathImports: PathImport[];
  templates: EnvTemplate[];
  /** --file, --template and --certificate, and how and where they are written. */
  files: FileOutputs;
  /** Inherited variables whose value starts with vault: without being a reference: left as they are. */
  lookalikes: string[];
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
  /** --user: the child runs as this uid/gid; undefined keeps vault-exec's own. Set for check too. */
  runAs?: RunAs;
  /** The project file the options came from, if any (logged at start). */
  projectFile?: string;
  /** `vault-exec run` in development: the .env file to use when Vault stays unreachable. */
  fallbackEnv?: string;
}

/** The sources of AWS credentials in the order they are looked for, for the 64 of "none found". */
export const AWS_CREDENTIAL_SOURCES_LOOKED_FOR = [
  'AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY',
  'AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI',
] as const;

/** Where AWS credentials come from, for log lines and hints; never a key. */
export function describeAwsCredentialSource(source: AwsCredentialSource): string {
  switch (source.kind) {
    case 'env':
      return source.sessionToken === undefined
        ? 'AWS_ACCESS_KEY_ID'
        : 'AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN';
    case 'web-identity':
      return `the web identity token AWS_WEB_IDENTITY_TOKEN_FILE ${source.tokenFile} for AWS_ROLE_ARN ${source.roleArn}`;
    case 'container':
      return `the container credentials endpoint ${source.origin}`;
    case 'imds':
      return `EC2 instance metadata (IMDSv2) at ${source.endpoint}`;
  }
}

/** Where a JWT comes from, for log lines and hints; never the JWT. */
export function describeJwtSource(source: JwtSource): string {
  switch (source.kind) {
    case 'file':
      return `${source.origin} ${source.path}`;
    case 'env':
      return source.name;
    case 'github':
      return `GitHub Actions OIDC (audience "${source.audience}")`;
  }
}
