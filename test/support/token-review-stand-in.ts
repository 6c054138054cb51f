// A stand-in for the Kubernetes API's TokenReview endpoint, since no Kubernetes API server can run
// here. Vault's kubernetes auth method POSTs {"spec": {"token": ...}} to
// /apis/authentication.k8s.io/v1/tokenreviews over HTTPS, as the real API server would be asked; the
// stand-in answers "authenticated" for the service accounts it knows and "not authenticated" for
// any other token. The TLS certificate comes from test/support/tls.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificates } from './tls';

export interface ServiceAccount {
  namespace: string;
  name: string;
  uid: string;
}

export interface TokenReviewStandIn {
  /** What Vault's kubernetes_host is set to. */
  url: string;
  /** The CA of the stand-in's certificate, for kubernetes_ca_cert. */
  caPem: string;
  /** Makes `token` a valid token of `account` from now on. */
  accept(token: string, account: ServiceAccount): void;
  /** Makes `token` invalid, as for a rotated-out or deleted service account token. */
  forget(token: string): void;
  reviews(): number;
  close(): Promise<void>;
}

export async function startTokenReviewStandIn(): Promise<TokenReviewStandIn> {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-k8s-'));
  const files = generateCertificates(dir);
  const known = new Map<string, ServiceAccount>();
  let reviews = 0;
  const server: Server = createServer(
    { cert: readFileSync(files.serverCert), key: readFileSync(files.serverKey) },
    (request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        if (request.method !== 'POST' || request.url !== '/apis/authentication.k8s.io/v1/tokenreviews') {
          response.writeHead(404).end();
          return;
        }
        reviews++;
        const spec = JSON.parse(body)?.spec ?? {};
        const account = known.get(String(spec.token ?? ''));
        const status = account
          ? {
              authenticated: true,
              // As the API server does: the audiences asked for, which the tokens made here all carry.
              audiences: Array.isArray(spec.audiences) ? spec.audiences : [],
              user: {
                username: `system:serviceaccount:${account.namespace}:${account.name}`,
                uid: account.uid,
                groups: ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`],
              },
            }
          : { authenticated: false, error: 'invalid bearer token' };
        response.writeHead(201, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', status }));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in has no port');
  return {
    url: `https://127.0.0.1:${address.port}`,
    caPem: readFileSync(files.serverCa, 'utf8'),
    accept: (token, account) => void known.set(token, account),
    forget: (token) => void known.delete(token),
    reviews: () => reviews,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
