// GitHub Actions' OIDC token service: the JWT for `audience` that a job logs in to Vault with, asked for
// again at every login (the tokens live minutes, far less than a Vault token's max TTL may).
import type { JwtSource } from '../../cli/config';
import type { Logger } from '../../util/log';
import { retryBriefly } from '../http/send';
import type { LoginFailure } from './session';
import { describeFetchFailure } from '../../util/fetch-failure';

type GitHubSource = Extract<JwtSource, { kind: 'github' }>;

/** The runner's token service is a remote API: a blip is retried a few times, as @actions/core does. */
export const OIDC_ATTEMPTS = 3;
export const OIDC_RETRY_INITIAL_MS = 1_000;
export const OIDC_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The request token is the job's credential for that service, so it is masked like a secret.
 */
export async function requestGitHubOidcToken(
  source: GitHubSource,
  log: Logger,
): Promise<{ ok: true; jwt: string } | LoginFailure> {
  log.redact(source.requestToken);
  const url = new URL(source.requestUrl);
  url.searchParams.set('audience', source.audience);
  const where = `GitHub's OIDC token service (${url.host})`;
  const outcome = await retryBriefly<string>(
    async () => {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { Authorization: `bearer ${source.requestToken}`, Accept: 'application/json' },
          signal: AbortSignal.timeout(OIDC_REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        return { ok: false, reason: describeFetchFailure(error, OIDC_REQUEST_TIMEOUT_MS), retry: true };
      }
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        return { ok: false, reason: `HTTP ${response.status}`, retry: true };
      }
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        return {
          ok: false,
          reason: `${where} refused the request token (HTTP ${response.status}): ACTIONS_ID_TOKEN_REQUEST_TOKEN is wrong or expired; it is valid only inside the job the runner gave it to, with "permissions: id-token: write"`,
          retry: false,
        };
      }
      const value = await readTokenValue(response);
      if (response.status === 200 && value !== undefined) return { ok: true, value };
      const reason = `${where} answered HTTP ${response.status} without a token; the job gets none`;
      return { ok: false, reason, retry: false };
    },
    {
      attempts: OIDC_ATTEMPTS,
      initialMs: OIDC_RETRY_INITIAL_MS,
      onRetry: (reason, attempt) =>
        log.warn(`requesting an OIDC token from ${where} failed: ${reason}; retrying (attempt ${attempt})`),
    },
  );
  // A final failure is the service's refusal; one still worth retrying ran out of attempts.
  if (!outcome.ok && !outcome.retry) return { ok: false, rejected: true, message: outcome.reason };
  if (!outcome.ok)
    return {
      ok: false,
      rejected: false,
      message: `requesting an OIDC token from ${where} failed: ${outcome.reason}`,
    };
  log.redact(outcome.value);
  log.debug(`got an OIDC token for audience ${JSON.stringify(source.audience)} from ${where}`);
  return { ok: true, jwt: outcome.value };
}

async function readTokenValue(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { value?: unknown };
    return typeof body?.value === 'string' && body.value !== '' ? body.value : undefined;
  } catch {
    return undefined;
  }
}
