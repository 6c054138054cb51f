// The one client every Vault request goes through: node-vault builds each request (its URL), our
// transport (transport.ts) sends it through node-vault's `request-promise` seam. Vault's status codes
// are interpreted here and in the endpoint modules (vault/).
import nodeVault from 'node-vault';
import type { TlsConfig } from '../../cli/config';
import { monotonicNow } from '../../util/clock';
import type { Logger } from '../../util/log';
import { NO_OBSERVER, type Observer } from '../../util/observer';
import { splitVaultAddress } from './address';
import { operationOf } from './operations';
import type { ProxyEnv } from './proxy';
import { loadTlsOptions } from './tls-options';
import { createTransport, type Transport, type WireRequest } from './transport';

export { VaultTransportError } from './transport-error';

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
  /** VAULT_ADDR without user:password: the one to name in messages. */
  readonly address: string;
  request(method: 'GET' | 'POST' | 'PUT', path: string, options?: RequestOptions): Promise<VaultResponse>;
}

/**
 * What vault-exec, not node-vault's defaults, decides about one request; the transport fills `answer`.
 * The credentials and the answer travel here, beside node-vault's options rather than through them:
 * node-vault adds VAULT_TOKEN and VAULT_NAMESPACE from the process environment (which the child
 * shares) to every request, and hides the status of a success and of every sys/health answer.
 */
interface Exchange {
  headers: Record<string, string>;
  timeoutMs: number;
  answer?: VaultResponse;
}

/** node-vault's own request options, as far as the seam below reads them. */
interface NodeVaultRequest {
  uri: string;
  method: string;
  json?: unknown;
  exchange: Exchange;
}

export function createVaultClient(options: {
  address: string;
  namespace?: string;
  tls: TlsConfig;
  timeoutMs: number;
  /** Where HTTP(S)_PROXY and NO_PROXY are read: run's injected environment, never process.env. */
  env: ProxyEnv;
  /** Learns the password of a VAULT_ADDR with user:password in it, as a second line of defence. */
  log: Pick<Logger, 'redact'>;
  /** Told of every request: its operation, status and duration (the metrics' Vault side). */
  observer?: Observer;
}): VaultClient {
  const observer = options.observer ?? NO_OBSERVER;
  const address = splitVaultAddress(options.address);
  for (const secret of address.secrets) options.log.redact(secret);
  const transport = createTransport({ tls: loadTlsOptions(options.tls), env: options.env });
  const raw = nodeVault({
    endpoint: address.shown,
    apiVersion: 'v1',
    // Paths below start without a slash; a prefix of its own keeps node-vault from reading VAULT_PREFIX.
    pathPrefix: '/',
    // node-vault's `debug` prints login bodies and tokens under DEBUG=*; the bundle also aliases it away.
    debug: () => {},
    'request-promise': requestPromiseSeam(transport),
  } as nodeVault.VaultOptions);

  return {
    address: address.shown,
    async request(method, path, { token, body, query, withNamespace = true, timeoutMs } = {}) {
      const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
      if (address.authorization !== undefined) headers.Authorization = address.authorization;
      if (token !== undefined) headers['X-Vault-Token'] = token;
      if (withNamespace && options.namespace) headers['X-Vault-Namespace'] = options.namespace;
      const search = query ? `?${new URLSearchParams(query).toString()}` : '';
      const exchange: Exchange = { headers, timeoutMs: timeoutMs ?? options.timeoutMs };
      const started = monotonicNow();
      const observe = () =>
        observer.vaultRequest(
          operationOf(method, path),
          exchange.answer === undefined ? 'error' : String(exchange.answer.status),
          (monotonicNow() - started) / 1000,
        );
      try {
        await raw.request({
          path: `${encodePath(path)}${search}`,
          method,
          exchange,
          ...(body ? { json: body } : {}),
        });
      } catch (error) {
        observe();
        // node-vault rejects every status but 200 and 204; the transport has kept the answer.
        if (exchange.answer === undefined) throw error;
        return exchange.answer;
      }
      observe();
      return exchange.answer!;
    },
  };
}

/** node-vault calls `defaults()` once and then the returned function for every request. */
function requestPromiseSeam(transport: Transport) {
  const send = async (request: NodeVaultRequest) => {
    const wire: WireRequest = {
      method: request.method,
      url: request.uri,
      headers: request.exchange.headers,
      timeoutMs: request.exchange.timeoutMs,
      ...(request.json !== undefined ? { body: JSON.stringify(request.json) } : {}),
    };
    const answer = await transport.send(wire);
    request.exchange.answer = answer;
    return { statusCode: answer.status, body: answer.body, request: { path: new URL(request.uri).pathname } };
  };
  return { defaults: () => send };
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
