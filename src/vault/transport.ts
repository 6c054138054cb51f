import http from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';
import {
  PROXY_TUNNEL_REFUSED,
  createTunnelAgent,
  proxyAuthorization,
  proxyFor,
  type ProxyEnv,
} from './proxy';
import { monotonicNow, type Clock } from '../clock';
import {
  DEADLINE_EXCEEDED,
  REDIRECT_REFUSED,
  RESPONSE_TOO_LARGE,
  VaultTransportError,
  describeTransportFailure,
} from './transport-error';

/**
 * The HTTP exchange with Vault, on node:http/node:https. node-vault builds the requests; this sends
 * them (see client.ts). What it promises, and axios did not:
 *
 * - One deadline per request, covering connection, headers, body and a redirect hop, so an answer
 *   that trickles in cannot hold a renewal past it.
 * - A size cap: Vault's answers are small JSON documents; a bigger one is a misrouted request.
 * - Redirects as narrowly as a token allows. Vault's Go client follows one 301/302/307 wherever it
 *   points (refusing only https to http) and re-sends X-Vault-Token and the body there. Here one
 *   307/308 is followed, only within the same origin (scheme, host and port), method and body kept.
 *   A redirect to another origin (a standby naming its active node, a misconfigured proxy) is an
 *   error naming the Location: the token or secret_id never leave for an address the user did not give.
 * - Keep-alive connections, and HTTP(S)_PROXY/NO_PROXY as the Vault CLI reads them (proxy.ts).
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const MAX_REDIRECTS = 1;
/** Idle pooled connections are closed before Vault's own idle timeout (5 min) can race a reuse. */
export const KEEP_ALIVE_IDLE_MS = 30_000;

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** JSON text; sent with its length. */
  body?: string;
  /** The one deadline for the whole exchange. */
  timeoutMs: number;
}

export interface WireResponse {
  status: number;
  /** Parsed JSON when the answer is JSON, else its text ('' when empty), as Vault's error pages are. */
  body: unknown;
}

export interface Transport {
  send(request: WireRequest): Promise<WireResponse>;
}

interface RawAnswer {
  status: number;
  location: string | undefined;
  text: string;
}

/** Where one request goes: straight to Vault, or through a proxy. */
interface Route {
  send: typeof http.request;
  target: URL | string;
  options: http.RequestOptions;
  /** Said after a failure, so a broken proxy is not taken for a broken Vault. */
  via: string;
}

export function createTransport(
  options: { tls?: https.AgentOptions; clock?: Clock; maxResponseBytes?: number; env?: ProxyEnv } = {},
): Transport {
  const clock = options.clock ?? monotonicNow;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const env = options.env ?? process.env;
  const httpAgent = new http.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS });
  let httpsAgent: https.Agent | undefined;
  let tunnelAgent: https.Agent | undefined;

  const route = (url: URL, headers: Record<string, string>): Route => {
    const proxy = proxyFor(url, env);
    if (url.protocol === 'https:') {
      const agent = proxy
        ? (tunnelAgent ??= createHttpsAgent(options.tls, (agentOptions) =>
            createTunnelAgent(proxy, agentOptions),
          ))
        : (httpsAgent ??= createHttpsAgent(options.tls));
      return {
        send: https.request,
        target: url,
        options: { agent, headers },
        via: proxy ? ` (through the proxy ${proxy.origin})` : '',
      };
    }
    if (proxy === undefined)
      return { send: http.request, target: url, options: { agent: httpAgent, headers }, via: '' };
    // Plain HTTP through a proxy: the request line names the whole URL.
    return {
      send: http.request,
      target: url.href,
      options: {
        agent: httpAgent,
        // hostname, not host: it is what Node reads first, and the URL above has one of its own.
        hostname: proxy.hostname,
        port: proxy.port || 80,
        path: url.href,
        headers: { ...headers, Host: url.host, ...proxyAuthorization(proxy) },
      },
      via: ` (through the proxy ${proxy.origin})`,
    };
  };

  return {
    async send(request) {
      const deadlineAt = clock() + request.timeoutMs;
      let url = new URL(request.url);
      for (let hop = 0; ; hop++) {
        const answer = await exchange(url, request, route, deadlineAt - clock(), maxBytes);
        if (!isRedirect(answer.status)) return { status: answer.status, body: parseBody(answer.text) };
        url = followRedirect(url, answer, hop, new URL(request.url));
      }
    },
  };
}

/**
 * Certificates and key go in as one secure context, not as agent options: Node names a pooled
 * connection after its options, and NODE_DEBUG=http would print that name, private key included.
 * Built at the first request, so a key that does not match its certificate fails like any other
 * TLS problem (exit 69, with its own message) instead of before vault-exec has started.
 */
function createHttpsAgent(
  tls: https.AgentOptions = {},
  create: (options: https.AgentOptions) => https.Agent = (options) => new https.Agent(options),
): https.Agent {
  const { ca, cert, key, ...rest } = tls;
  try {
    const secureContext = createSecureContext({ ca, cert, key });
    return create({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, ...rest, secureContext });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new VaultTransportError(describeTransportFailure(code, '', 0), code, { cause: error });
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The next URL of a redirect, or the error that says why vault-exec will not go there. */
function followRedirect(from: URL, answer: RawAnswer, hop: number, original: URL): URL {
  const refuse = (why: string): never => {
    throw new VaultTransportError(why, REDIRECT_REFUSED, { mayHaveReachedVault: true });
  };
  const where = answer.location === undefined ? 'nowhere (no Location header)' : answer.location;
  if (answer.status !== 307 && answer.status !== 308)
    refuse(
      `HTTP ${answer.status} redirect to ${where} refused: vault-exec follows only 307 and 308, which keep the method and body`,
    );
  if (answer.location === undefined)
    return refuse(`HTTP ${answer.status} redirect without a Location header`);
  let target: URL;
  try {
    target = new URL(answer.location, from);
  } catch {
    return refuse(`HTTP ${answer.status} redirect to an invalid Location ${answer.location}`);
  }
  if (hop + 1 > MAX_REDIRECTS)
    refuse(`a second redirect (to ${target.href}) refused: vault-exec follows one redirect per request`);
  if (from.protocol === 'https:' && target.protocol !== 'https:')
    refuse(`redirect from https to ${target.href} refused: vault-exec never downgrades to plain HTTP`);
  if (target.origin !== original.origin)
    refuse(
      `redirect to ${target.href} refused: it is another origin than ${original.origin}, and vault-exec sends the token and request body only to VAULT_ADDR; if it is your Vault's active node, set VAULT_ADDR to ${target.origin}`,
    );
  return target;
}

function exchange(
  url: URL,
  request: WireRequest,
  route: (url: URL, headers: Record<string, string>) => Route,
  timeoutMs: number,
  maxBytes: number,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let sent = false;
    let answering = false;
    const settle = (error: VaultTransportError | undefined, answer?: RawAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) return resolve(answer!);
      req?.destroy();
      reject(error);
    };
    const fail = (code: string | undefined, reason: string, cause?: unknown): void =>
      settle(new VaultTransportError(reason, code, { cause, mayHaveReachedVault: sent }));
    const reset = (): string => describeTransportFailure('ECONNRESET', url.origin, request.timeoutMs);
    const tooLarge = (): void =>
      fail(
        RESPONSE_TOO_LARGE,
        `the answer is larger than ${formatBytes(maxBytes)}, the most vault-exec reads from Vault; is VAULT_ADDR pointing at Vault?`,
      );

    const timer = setTimeout(
      () => {
        const seconds = Math.round(request.timeoutMs / 100) / 10;
        fail(
          DEADLINE_EXCEEDED,
          answering ? `the answer was not complete within ${seconds} s` : `no answer within ${seconds} s`,
        );
      },
      Math.max(0, timeoutMs),
    );

    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(request.body));
    }
    let req: http.ClientRequest | undefined;
    let via = '';
    const onError = (error: NodeJS.ErrnoException): void =>
      fail(
        error.code,
        (error.code === PROXY_TUNNEL_REFUSED
          ? error.message
          : describeTransportFailure(error.code, url.origin, request.timeoutMs)) + via,
        error,
      );
    try {
      const path = route(url, headers);
      via = path.via;
      req = path.send(path.target, { ...path.options, method: request.method }, onResponse);
    } catch (error) {
      // Thrown before anything was sent: a header Node refuses, a key that does not match its certificate.
      return onError(error as NodeJS.ErrnoException);
    }
    req.on('finish', () => {
      sent = true;
    });
    req.on('error', onError);
    req.end(request.body);

    function onResponse(res: http.IncomingMessage): void {
      answering = true;
      if (Number(res.headers['content-length']) > maxBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return tooLarge();
        chunks.push(chunk);
      });
      res.on('end', () =>
        settle(undefined, {
          status: res.statusCode ?? 0,
          location: res.headers.location,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ECONNRESET', reset(), error));
      res.on('close', () => {
        if (!res.complete) fail('ECONNRESET', reset());
      });
    }
  });
}

function parseBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}
