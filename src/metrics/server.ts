// The --metrics-addr listener: GET /metrics, /healthz, /readyz. It listens before anything is sent
// to Vault, so an address in use is a usage error with nothing to clean up, and it is closed on
// every way out (run-command.ts), connections kept alive by a scraper included.
import { createServer, type Server } from 'node:http';
import type { ListenAddress } from '../cli/config';
import { UsageError } from '../util/errors';
import type { VaultExecMetrics } from './vault-exec-metrics';

const EXPOSITION_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsServer {
  /** host:port as bound (the port chosen by the system when 0 was given). */
  readonly address: string;
  close(): Promise<void>;
}

export async function listenForScrapes(
  where: ListenAddress,
  metrics: VaultExecMetrics,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' })
        .end('method not allowed\n');
      return;
    }
    const answer = (status: number, type: string, body: string) =>
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    if (path === '/metrics') answer(200, EXPOSITION_TYPE, metrics.render());
    else if (path === '/healthz') answer(200, 'text/plain', 'ok\n');
    else if (path === '/readyz')
      metrics.ready() ? answer(200, 'text/plain', 'ready\n') : answer(503, 'text/plain', 'not ready\n');
    else answer(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
  });
  // Never keep vault-exec alive for a scraper: the run ends when the child does.
  server.unref();
  await listen(server, where);
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : where.port;
  return {
    address: `${where.host.includes(':') ? `[${where.host}]` : where.host}:${port}`,
    close: () => closeServer(server),
  };
}

function listen(server: Server, where: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(explainListenError(error, where)));
    server.listen({ host: where.host, port: where.port, exclusive: true }, () => resolve());
  });
}

function explainListenError(error: NodeJS.ErrnoException, where: ListenAddress): UsageError {
  const shown = `${where.host}:${where.port}`;
  const why: Record<string, string> = {
    EADDRINUSE: 'the port is in use; pick another port or stop what listens there',
    EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); pick a port above 1023',
    EADDRNOTAVAIL: 'no network interface here has that address; give one of this host, or 0.0.0.0 for all',
    ENOTFOUND: 'the host name does not resolve; give an IP address or a resolvable name',
    EAI_AGAIN: 'the host name does not resolve; give an IP address or a resolvable name',
  };
  return new UsageError(
    `cannot listen on --metrics-addr ${shown}: ${why[error.code ?? ''] ?? `${error.code ?? error.message}`}`,
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // A scraper's keep-alive connection would hold close() open until it times out.
    server.closeAllConnections();
  });
}
