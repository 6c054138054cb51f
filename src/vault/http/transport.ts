// The HTTP exchange with Vault, on node:http/node:https: node-vault builds the requests, this sends them
// (see client.ts), with one deadline per request, a size cap, narrow redirects and keep-alive connections.
import type http from 'node:http';
import type https from 'node:https';
import { monotonicNow, type Clock } from '../../util/clock';
import type { ProxyEnv } from './proxy';
import { ProxyFailure, describeProxyTlsFailure } from './proxy-connection';
import { followRedirect, isRedirect } from './redirects';
import { createRouter, type Router } from './routes';
import {
  DEADLINE_EXCEEDED,
  RESPONSE_TOO_LARGE,
  VaultTransportError,
  describeTransportFailure,
} from './transport-error';

/** Vault's answers are small JSON documents; a bigger one is a misrouted request. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

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

/**
 * - One deadline per request, covering connection, headers, body and a redirect hop, so an answer
 *   that trickles in cannot hold a renewal past it.
 * - Redirects only as narrowly as a token allows (redirects.ts).
 * - Keep-alive connections, and HTTP(S)_PROXY/NO_PROXY as the Vault CLI reads them (routes.ts, proxy.ts).
 */
export function createTransport(
  options: { tls?: https.AgentOptions; clock?: Clock; maxResponseBytes?: number; env?: ProxyEnv } = {},
): Transport {
  const clock = options.clock ?? monotonicNow;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  // No proxy unless the caller passes the variables: the process environment is not read here.
  const route = createRouter(options.tls, options.env ?? {});

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

function exchange(
  url: URL,
  request: WireRequest,
  route: Router,
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
    let tlsProxy: URL | undefined;
    const onError = (error: NodeJS.ErrnoException): void =>
      fail(
        error.code,
        error instanceof ProxyFailure
          ? error.reason
          : ((tlsProxy && describeProxyTlsFailure(error.code, tlsProxy)) ??
              describeTransportFailure(error.code, url.origin, request.timeoutMs) + via),
        error,
      );
    try {
      const path = route(url, headers);
      via = path.via;
      tlsProxy = path.tlsProxy;
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
