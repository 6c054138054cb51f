// A local HTTP or HTTPS server that records every request it receives, body included, then hands it
// to the test's handler: for tests of what vault-exec sends, where the real Vault cannot show it.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RecordingServer {
  seen: RecordedRequest[];
  /** Every connection accepted (plain or TLS), to count reuse. */
  connections: unknown[];
  port: number;
  origin: string;
  /** Stops listening, so its address refuses connections from now on. */
  close(): Promise<void>;
}

const servers: Server[] = [];

export async function startRecordingServer(
  handler: (req: IncomingMessage, res: ServerResponse, seen: RecordedRequest) => void,
  options: { host?: string; server?: Server } = {},
): Promise<RecordingServer> {
  const host = options.host ?? '127.0.0.1';
  const server = options.server ?? createServer();
  const seen: RecordedRequest[] = [];
  const connections: unknown[] = [];
  server.on('connection', (socket) => connections.push(socket));
  server.on('secureConnection', (socket) => connections.push(socket));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      handler(req, res, entry);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = 'setSecureContext' in server ? 'https' : 'http';
  const close = (): Promise<void> => {
    servers.splice(servers.indexOf(server), 1);
    return stop(server);
  };
  return { seen, connections, port, origin: `${scheme}://${host}:${port}`, close };
}

/** For afterEach: closes every server started since, dropping kept-alive connections. */
export async function closeRecordingServers(): Promise<void> {
  await Promise.all(servers.splice(0).map(stop));
}

function stop(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
