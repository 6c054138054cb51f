// Where the JWT of a jwt or kubernetes login comes from (the JwtSource of cli/config.ts). Only the
// place is chosen here, at start-up; vault/auth/read-jwt.ts reads the JWT again at every login.
import type { JwtSource } from '../cli/config';
import type { Env } from '../util/env';
import { UsageError } from '../util/errors';

/** What GitLab's `id_tokens:` (or any CI) can put the JWT in. */
export const JWT_ENV_NAME = 'VAULT_EXEC_JWT';
/** Set by the GitHub Actions runner in jobs with `permissions: id-token: write`. */
export const GITHUB_REQUEST_URL_ENV = 'ACTIONS_ID_TOKEN_REQUEST_URL';
export const GITHUB_REQUEST_TOKEN_ENV = 'ACTIONS_ID_TOKEN_REQUEST_TOKEN';

export function chooseJwtSource(
  method: 'jwt' | 'kubernetes',
  options: { jwtFile?: string; jwtAudience: string; kubernetesTokenPath: string },
  env: Env,
): JwtSource {
  if (options.jwtFile !== undefined) return { kind: 'file', path: options.jwtFile, origin: '--jwt-file' };
  if (method === 'kubernetes')
    return { kind: 'file', path: options.kubernetesTokenPath, origin: 'the service-account token' };

  const value = env[JWT_ENV_NAME]?.trim();
  if (value) return { kind: 'env', name: JWT_ENV_NAME, value };

  const requestUrl = env[GITHUB_REQUEST_URL_ENV]?.trim();
  const requestToken = env[GITHUB_REQUEST_TOKEN_ENV]?.trim();
  if (requestUrl && requestToken) {
    try {
      new URL(requestUrl);
    } catch {
      throw new UsageError(`${GITHUB_REQUEST_URL_ENV} is not a URL: is this a GitHub Actions runner?`);
    }
    return { kind: 'github', requestUrl, requestToken, audience: options.jwtAudience };
  }
  if (requestUrl || requestToken)
    throw new UsageError(
      `${requestUrl ? GITHUB_REQUEST_TOKEN_ENV : GITHUB_REQUEST_URL_ENV} is not set, so no GitHub Actions OIDC token can be requested: give the job "permissions: id-token: write"`,
    );
  throw new UsageError(
    `--auth jwt needs a JWT: give --jwt-file, set ${JWT_ENV_NAME} (GitLab CI: id_tokens), or run in GitHub Actions with "permissions: id-token: write"`,
  );
}
