import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import nodeVault from 'node-vault';
import type { TlsConfig } from '../config';
import { UsageError } from '../errors';

/**
 * The only module that talks HTTP to Vault. node-vault is used as the transport (URL building,
 * axios, TLS agent); Vault's status codes are interpreted here and in the step modules, because
 * node-vault hides them (health), reads VAULT_TOKEN/VAULT_SKIP_VERIFY/VAULT_PREFIX from the process
 * environment on its own, and pins tokens through shared headers. See dependencies.md §1.
 */
export interface VaultResponse {
  status: number;
  // Vault's JSON envelope; its shape depends on the endpoint, so each caller narrows it.
  body: any;
}

export interface RequestOptions {
  token?: string;
  body?: Record<string, unknown>;
  query?: Record<string, string>;
  /** sys/health and other restricted sys paths answer 400 when the namespace header is present. */
  withNamespace?: boolean;
  timeoutMs?: number;
}

export interface VaultClient {
  readonly address: string;
  request(method: 'GET' | 'POST' | 'PUT', path: string, options?: RequestOptions): Promise<VaultResponse>;
}

/** Certificate checks that failed on either side: waiting will not change a certificate. */
const CERTIFICATE_ERRORS = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_OSSL_X509_KEY_VALUES_MISMATCH',
]);

/** The request never got an HTTP answer: refused, reset, timed out, TLS failure. */
export class VaultTransportError extends Error {
  constructor(
    readonly reason: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'VaultTransportError';
  }

  get isCertificateProblem(): boolean {
    return this.code !== undefined && CERTIFICATE_ERRORS.has(this.code);
  }
}

export function createVaultClient(options: {
  address: string;
  namespace?: string;
  tls: TlsConfig;
  timeoutMs: number;
}): VaultClient {
  const tlsOptions = loadTlsOptions(options.tls);
  const raw = nodeVault({
    endpoint: options.address,
    apiVersion: 'v1',
    // node-vault's `debug` prints login bodies and tokens under DEBUG=*; the bundle also aliases it away.
    debug: () => {},
    rpDefaults: { strictSSL: !options.tls.skipVerify, timeout: options.timeoutMs },
    requestOptions: tlsOptions,
  } as nodeVault.VaultOptions);
  // node-vault falls back to process.env for these; vault-exec passes them per request instead.
  raw.token = undefined as unknown as string;
  (raw as { namespace?: string }).namespace = undefined;
  (raw as { pathPrefix?: string }).pathPrefix = '';
  // Keep the status code of every answer; the step modules decide what each status means.
  (raw as { handleVaultResponse: (response: unknown) => Promise<unknown> }).handleVaultResponse = (
    response,
  ) => Promise.resolve(response);

  return {
    address: options.address,
    async request(method, path, { token, body, query, withNamespace = true, timeoutMs } = {}) {
      const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
      if (token !== undefined) headers['X-Vault-Token'] = token;
      if (withNamespace && options.namespace) headers['X-Vault-Namespace'] = options.namespace;
      const search = query ? `?${new URLSearchParams(query).toString()}` : '';
      try {
        const response = (await raw.request({
          path: `/${encodePath(path)}${search}`,
          method,
          headers,
          ...(body ? { json: body } : {}),
          ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
        })) as { statusCode: number; body: unknown };
        return { status: response.statusCode, body: response.body };
      } catch (error) {
        throw toTransportError(error, options.address, timeoutMs ?? options.timeoutMs);
      }
    },
  };
}

/** Encodes each segment, so "#", "?" or spaces in a secret's name cannot change the request. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The first error message Vault gave, for log lines; never contains request data. */
export function vaultMessage(response: VaultResponse): string {
  const errors: unknown = response.body?.errors;
  const first = Array.isArray(errors)
    ? errors.find((item) => typeof item === 'string' && item.trim() !== '')
    : undefined;
  if (typeof first !== 'string') return `HTTP ${response.status}`;
  // Vault wraps ACL failures as a Go multierror: "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n".
  const bullets = first.match(/^\s*\*\s+(.+)$/gm);
  const text =
    /^\d+ errors? occurred:/.test(first) && bullets
      ? bullets.map((item) => item.replace(/^\s*\*\s+/, '')).join('; ')
      : first;
  return text.replace(/\s+/g, ' ').trim();
}

/** Worth retrying: Vault is there but busy, sealed, restarting, or a proxy in front of it failed. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 412 || (status >= 500 && status !== 501);
}

function toTransportError(error: unknown, address: string, timeoutMs: number): VaultTransportError {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return new VaultTransportError(describeTransportFailure(code, address, timeoutMs), code, { cause: error });
}

function describeTransportFailure(code: string | undefined, address: string, timeoutMs: number): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_BAD_RESPONSE':
      return 'connection reset before Vault answered';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
      return `no answer within ${Math.round(timeoutMs / 100) / 10} s`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${address}`;
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `TLS: the server's certificate is not signed by a trusted CA (${code}); set VAULT_CACERT to Vault's CA`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return "TLS: the server's certificate does not match the host name; fix VAULT_ADDR or set VAULT_TLS_SERVER_NAME";
    case 'CERT_HAS_EXPIRED':
      return "TLS: the server's certificate has expired";
    // The server's side of mutual TLS: it wants a client certificate, or does not trust the one we sent.
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return 'TLS: Vault requires a client certificate; set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY';
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return `TLS: Vault rejected the client certificate (${code}); VAULT_CLIENT_CERT must be signed by a CA Vault trusts for client authentication`;
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return 'TLS handshake rejected by Vault (does it require a client certificate? set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)';
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
      return 'TLS: VAULT_CLIENT_KEY is not the private key of VAULT_CLIENT_CERT';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'TLS handshake failed (is the address http:// vs https:// right?)';
    default:
      return `request failed (${code ?? 'unknown error'})`;
  }
}

function loadTlsOptions(tls: TlsConfig): Record<string, unknown> {
  const options: Record<string, unknown> = { strictSSL: !tls.skipVerify };
  const authorities: string[] = [];
  if (tls.caCert) authorities.push(readTlsFile(tls.caCert, 'VAULT_CACERT'));
  if (tls.caPath) {
    // As the Vault CLI reads it (go-rootcerts): every file counts, whatever its name (c_rehash's
    // "<hash>.0" links, a Kubernetes secret's "ca"); keys and other files beside the CAs are skipped.
    for (const entry of listDirectory(tls.caPath)) {
      const text = readTlsFile(join(tls.caPath, entry), 'VAULT_CAPATH');
      if (text.includes('-----BEGIN CERTIFICATE-----')) authorities.push(text);
    }
  }
  if (authorities.length > 0) options.ca = authorities;
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    throw new UsageError(
      'VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together for TLS client authentication',
    );
  }
  if (tls.clientCert && tls.clientKey) {
    options.cert = readTlsFile(tls.clientCert, 'VAULT_CLIENT_CERT');
    options.key = readTlsFile(tls.clientKey, 'VAULT_CLIENT_KEY');
  }
  if (tls.serverName) options.agentOptions = { servername: tls.serverName };
  return options;
}

function readTlsFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${variable} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      { cause: error },
    );
  }
}

function listDirectory(path: string): string[] {
  try {
    // Regular files, following symlinks; subdirectories (such as a mounted secret's "..data") are not read.
    return readdirSync(path).filter(
      (name) => statSync(join(path, name), { throwIfNoEntry: false })?.isFile() === true,
    );
  } catch (error) {
    throw new UsageError(
      `cannot read VAULT_CAPATH ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      { cause: error },
    );
  }
}
