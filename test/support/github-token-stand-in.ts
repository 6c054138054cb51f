// A stand-in for the GitHub Actions runner's OIDC token service, which cannot run here. It answers
// as the real one does: GET <url>&audience=<aud> with "Authorization: bearer <request token>" gives
// {"value": "<jwt>"}; a wrong request token gives 401. The JWT comes from the test's signer.
import { createServer, type Server } from 'node:http';

export interface GitHubTokenStandIn {
  /** What the runner puts in ACTIONS_ID_TOKEN_REQUEST_URL. */
  requestUrl: string;
  /** The audiences asked for, one per request that carried the right request token. */
  audiences: string[];
  close(): Promise<void>;
}

export async function startGitHubTokenStandIn(options: {
  requestToken: string;
  signFor(audience: string): string;
}): Promise<GitHubTokenStandIn> {
  const audiences: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname !== '/idtoken' || url.searchParams.get('api-version') !== '2.0')
      return reply(404, { message: 'not found' });
    // The runner's service accepts the scheme in any case (@actions/core sends "Bearer"); the token
    // itself must match exactly.
    const [scheme = '', token] = (request.headers.authorization ?? '').split(' ', 2);
    if (scheme.toLowerCase() !== 'bearer' || token !== options.requestToken)
      return reply(401, { message: 'Unauthorized' });
    const audience = url.searchParams.get('audience');
    if (audience === null) return reply(400, { message: 'audience is required by this stand-in' });
    audiences.push(audience);
    reply(200, { count: 1, value: options.signFor(audience) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in has no port');
  return {
    requestUrl: `http://127.0.0.1:${address.port}/idtoken?api-version=2.0`,
    audiences,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
