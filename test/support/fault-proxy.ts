// TCP proxy between vault-exec and a Vault dev server that injects network and HTTP faults on demand.
//
// The proxy parses the HTTP/1.1 requests in the client stream and applies the current mode to each
// request rather than each connection. Clients keep connections alive, so a mode that only affected
// new connections would let a pooled socket slip past the fault under test.
import { STATUS_CODES } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  /** Never answer; with `paths`, only those requests (others pass). */
  | { kind: 'hold'; paths?: RegExp }
  /** Forward after `ms`; with `paths`, only those requests are delayed. */
  | { kind: 'delay'; ms: number; paths?: RegExp }
  | { kind: 'cut' }
  /** Forward, then cut the answer halfway; with `paths`, only for those requests (others pass). */
  | { kind: 'cut-mid-response'; paths?: RegExp }
  | { kind: 'http-status'; status: number; paths?: RegExp; body?: string; times?: number };

export interface RequestRecord {
  method: string;
  path: string;
  at: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly url: string;
  setMode(mode: FaultMode): Promise<void>;
  requests(): RequestRecord[];
  resetRequests(): void;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_FAULT_BODY = '{"errors":["injected fault"]}';
// A head this large is not a request vault-exec sends; treat the stream as opaque instead.
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = '\r\n\r\n';

type Action =
  | { kind: 'forward'; delayMs: number; truncate: boolean }
  | { kind: 'hold' }
  | { kind: 'cut' }
  | { kind: 'respond'; status: number; body: string };

interface ParsedRequest {
  method: string;
  path: string;
  raw: Buffer;
}

type ParseResult =
  { kind: 'request'; request: ParsedRequest; rest: Buffer } | { kind: 'incomplete' } | { kind: 'invalid' };

function headerValue(headLines: string[], name: string): string | undefined {
  for (const line of headLines) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}

function parseRequest(buffer: Buffer): ParseResult {
  const headEnd = buffer.indexOf(HEAD_END);
  if (headEnd === -1) return buffer.length > MAX_HEAD_BYTES ? { kind: 'invalid' } : { kind: 'incomplete' };
  const [requestLine = '', ...headers] = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  const lengthHeader = headerValue(headers, 'content-length') ?? '0';
  // Chunked request bodies are out of scope: without their length the next request cannot be found.
  if (!match || headerValue(headers, 'transfer-encoding') !== undefined || !/^\d+$/.test(lengthHeader)) {
    return { kind: 'invalid' };
  }
  const total = headEnd + HEAD_END.length + Number(lengthHeader);
  if (buffer.length < total) return { kind: 'incomplete' };
  const [, method = '', target = ''] = match;
  return {
    kind: 'request',
    request: { method, path: target.split('?')[0] ?? target, raw: buffer.subarray(0, total) },
    rest: buffer.subarray(total),
  };
}

/**
 * The part of an upstream response to deliver before cutting, or undefined until the head is complete.
 * The client gets the full status line and headers but only part of the body, so it fails while
 * reading the body rather than seeing what looks like a refused or reset connection.
 */
function truncatedResponse(buffer: Buffer): Buffer | undefined {
  const headEnd = buffer.indexOf(HEAD_END);
  if (headEnd === -1) return undefined;
  const headers = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const declared = headerValue(headers, 'content-length');
  const bodyStart = headEnd + HEAD_END.length;
  // A bodiless response would arrive complete, so cut inside its head instead.
  if (declared === '0') return buffer.subarray(0, Math.floor(headEnd / 2));
  const available = buffer.length - bodyStart;
  const limit = declared === undefined ? available : Math.min(available, Number(declared) - 1);
  return buffer.subarray(0, bodyStart + Math.max(0, Math.floor(limit / 2)));
}

function injectedResponse(status: number, body: string): string {
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Injected'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    '\r\n' +
    body
  );
}

interface ProxyContext {
  upstreamHost: string;
  upstreamPort: number;
  decide(request: ParsedRequest): Action;
  record(request: ParsedRequest): void;
  forget(connection: Connection): void;
}

/** One client connection plus the upstream connection opened for it on demand. */
class Connection {
  held = false;
  private closed = false;
  // Set once a truncated response is on its way out; nothing more may be read or answered.
  private finishing = false;
  private opaque = false;
  private pending: Buffer = Buffer.alloc(0);
  private upstream: Socket | undefined;
  private truncating: Buffer | undefined;
  // Requests are acted on one at a time so a delayed request cannot be overtaken by the next one.
  private queue: Promise<void> = Promise.resolve();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly client: Socket,
    private readonly context: ProxyContext,
  ) {
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream?.destroy();
    for (const wake of this.wakers) wake();
    this.context.forget(this);
  }

  private onClientData(chunk: Buffer): void {
    if (this.held || this.finishing || this.closed) return;
    if (this.opaque) {
      this.enqueue(() => this.forward(chunk));
      return;
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const parsed = parseRequest(this.pending);
      if (parsed.kind === 'incomplete') return;
      if (parsed.kind === 'invalid') {
        // Not something we can frame; pass it through untouched rather than break the client.
        this.opaque = true;
        const raw = this.pending;
        this.pending = Buffer.alloc(0);
        this.enqueue(() => this.forward(raw));
        return;
      }
      this.pending = parsed.rest;
      this.context.record(parsed.request);
      const request = parsed.request;
      this.enqueue(() => this.handle(request));
    }
  }

  private enqueue(step: () => void | Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.closed || this.held || this.finishing ? undefined : step()))
      .catch(() => this.destroy());
  }

  private async handle(request: ParsedRequest): Promise<void> {
    const action = this.context.decide(request);
    switch (action.kind) {
      case 'hold':
        this.held = true;
        return;
      case 'cut':
        this.upstream?.destroy();
        this.client.resetAndDestroy();
        this.destroy();
        return;
      case 'respond':
        this.client.write(injectedResponse(action.status, action.body));
        return;
      case 'forward':
        if (action.delayMs > 0) await this.sleep(action.delayMs);
        if (this.closed) return;
        if (action.truncate) this.truncating = Buffer.alloc(0);
        this.forward(request.raw);
        return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private forward(bytes: Buffer): void {
    this.upstream ??= this.openUpstream();
    this.upstream.write(bytes);
  }

  private openUpstream(): Socket {
    const upstream = connect({ host: this.context.upstreamHost, port: this.context.upstreamPort });
    upstream.setNoDelay(true);
    upstream.on('data', (chunk: Buffer) => this.onUpstreamData(chunk));
    // Upstream refused or reset: the client sees the same thing it would have seen without us.
    upstream.on('error', () => {
      if (!this.closed) this.client.resetAndDestroy();
      this.destroy();
    });
    // Upstream closed (idle keep-alive timeout, Connection: close): pass the close on so the client
    // drops this socket from its pool, exactly as it would with a direct connection.
    upstream.on('close', () => {
      if (this.upstream !== upstream) return;
      this.upstream = undefined;
      if (this.truncating !== undefined) this.destroy();
      else if (!this.closed) this.client.end();
    });
    return upstream;
  }

  private onUpstreamData(chunk: Buffer): void {
    if (this.closed) return;
    if (this.truncating === undefined) {
      this.client.write(chunk);
      return;
    }
    this.truncating = Buffer.concat([this.truncating, chunk]);
    const partial = truncatedResponse(this.truncating);
    if (partial === undefined) return;
    this.truncating = undefined;
    this.finishing = true;
    this.upstream?.destroy();
    this.upstream = undefined;
    // Close only after the partial response is flushed, so the client really sees a response start.
    this.client.write(partial, () => this.destroy());
  }
}

export async function startFaultProxy(options: {
  upstreamPort: number;
  upstreamHost?: string;
  mode?: FaultMode;
}): Promise<FaultProxy> {
  let mode: FaultMode = options.mode ?? { kind: 'pass' };
  let injectionsLeft = mode.kind === 'http-status' ? mode.times : undefined;
  let records: RequestRecord[] = [];
  let port = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  const connections = new Set<Connection>();

  const context: ProxyContext = {
    upstreamHost: options.upstreamHost ?? HOST,
    upstreamPort: options.upstreamPort,
    record: (request) => records.push({ method: request.method, path: request.path, at: Date.now() }),
    forget: (connection) => connections.delete(connection),
    decide: (request) => {
      switch (mode.kind) {
        case 'pass':
          return { kind: 'forward', delayMs: 0, truncate: false };
        case 'delay':
          return {
            kind: 'forward',
            delayMs: mode.paths === undefined || mode.paths.test(request.path) ? mode.ms : 0,
            truncate: false,
          };
        case 'cut-mid-response':
          return { kind: 'forward', delayMs: 0, truncate: mode.paths?.test(request.path) ?? true };
        case 'hold':
          return mode.paths === undefined || mode.paths.test(request.path)
            ? { kind: 'hold' }
            : { kind: 'forward', delayMs: 0, truncate: false };
        // A connection accepted just before the listener closed; Vault is "down", so drop it.
        case 'refuse':
        case 'cut':
          return { kind: 'cut' };
        case 'http-status': {
          if (mode.paths !== undefined && !mode.paths.test(request.path)) {
            return { kind: 'forward', delayMs: 0, truncate: false };
          }
          const action: Action = {
            kind: 'respond',
            status: mode.status,
            body: mode.body ?? DEFAULT_FAULT_BODY,
          };
          if (injectionsLeft !== undefined && --injectionsLeft <= 0) mode = { kind: 'pass' };
          return action;
        }
      }
    },
  };

  const server: Server = createServer((socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    connections.add(new Connection(socket, context));
  });

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        server.off('listening', onListening);
        reject(error);
      };
      const onListening = (): void => {
        server.off('error', onError);
        const address = server.address();
        if (address !== null && typeof address === 'object') port = address.port;
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: HOST, port });
    });

  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
    });

  const destroyAll = (predicate: (connection: Connection) => boolean = () => true): void => {
    for (const connection of [...connections]) if (predicate(connection)) connection.destroy();
  };

  await listen();

  // Mode changes touch the listener, so they run one after another even if a test forgets to await.
  let changes: Promise<void> = Promise.resolve();
  const setMode = (next: FaultMode): Promise<void> => {
    const change = changes.then(async () => {
      if (closed) throw new Error('fault proxy is closed');
      mode = next;
      injectionsLeft = next.kind === 'http-status' ? next.times : undefined;
      if (next.kind === 'http-status' && injectionsLeft !== undefined && injectionsLeft <= 0)
        mode = { kind: 'pass' };
      destroyAll((connection) => connection.held);
      if (next.kind === 'refuse') {
        // Like a stopped server: no listener, and established keep-alive connections are gone too.
        destroyAll();
        await stopListening();
      } else if (!server.listening) {
        await listen();
      }
    });
    changes = change.catch(() => undefined);
    return change;
  };

  return {
    get port() {
      return port;
    },
    get url() {
      return `http://${HOST}:${port}`;
    },
    setMode,
    requests: () => [...records],
    resetRequests: () => {
      records = [];
    },
    close: () =>
      (closing ??= changes.then(async () => {
        closed = true;
        destroyAll();
        await stopListening();
      })),
  };
}
