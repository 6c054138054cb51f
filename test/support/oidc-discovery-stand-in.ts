// A stand-in for an OIDC issuer's discovery endpoints (GitHub's token.actions.githubusercontent.com,
// gitlab.com), which cannot be reached from here: /.well-known/openid-configuration names the
// issuer and its key set, /jwks serves the test issuer's public key. Vault's jwt auth method reads
// both when it is configured with oidc_discovery_url, as vault/ci-roles.sh configures it.
import { createServer, type Server } from 'node:http';
import type { JwtIssuer } from './jwt-issuer';

export interface OidcDiscoveryStandIn {
  /** The issuer URL: what oidc_discovery_url and bound_issuer are set to, and the JWTs' iss. */
  issuer: string;
  close(): Promise<void>;
}

export async function startOidcDiscoveryStandIn(keys: JwtIssuer): Promise<OidcDiscoveryStandIn> {
  let issuer = '';
  const server: Server = createServer((request, response) => {
    const documents: Record<string, unknown> = {
      '/.well-known/openid-configuration': {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      },
      '/jwks': { keys: [keys.publicJwk] },
    };
    const document = documents[request.url ?? ''];
    response.writeHead(document === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(document ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in has no port');
  issuer = `http://127.0.0.1:${address.port}`;
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
