import { backoffDelays } from '../../util/backoff';
import type { JwtSource } from '../../cli/config';
import type { Logger } from '../../util/log';
import { sleep } from '../../util/sleep';
import type { LoginFailure } from './session';

type GitHubSource = Extract<JwtSource, { kind: 'github' }>;

/** The runner's token service is a remote API: a blip is retried a few times, as @actions/core does. */
export const OIDC_ATTEMPTS = 3;
export const OIDC_RETRY_INITIAL_MS = 1_000;
export const OIDC_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Asks the GitHub Actions runner's token service for an OIDC token (a JWT) for `audience`. The
 * request token is the job's credential for that service, so it is masked like a secret. Each
 * login asks again: the tokens live minutes, far less than a Vault token's max TTL may.
 */
export async function requestGitHubOidcToken(
  source: GitHubSource,
  log: Logger,
): Promise<{ ok: true; jwt: string } | LoginFailure> {
  log.redact(source.requestToken);
  const url = new URL(source.requestUrl);
  url.searchParams.set('audience', source.audience);
  const where = `GitHub's OIDC token service (${url.host})`;
  const delays = backoffDelays({ initialMs: OIDC_RETRY_INITIAL_MS, maxMs: 4_000 });
  let reason = '';
  for (let attempt = 1; attempt <= OIDC_ATTEMPTS; attempt++) {
    if (attempt > 1) {
      log.warn(`requesting an OIDC token from ${where} failed: ${reason}; retrying (attempt ${attempt})`);
      await sleep(delays.next().value);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { Authorization: `bearer ${source.requestToken}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(OIDC_REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      reason = describeFetchFailure(error);
      continue;
    }
    if (response.status >= 500 || response.status === 429) {
      reason = `HTTP ${response.status}`;
      await response.body?.cancel();
      continue;
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return refused(
        `${where} refused the request token (HTTP ${response.status}): ACTIONS_ID_TOKEN_REQUEST_TOKEN is wrong or expired; it is valid only inside the job the runner gave it to, with "permissions: id-token: write"`,
      );
    }
    const value = await readTokenValue(response);
    if (response.status !== 200 || value === undefined)
      return refused(`${where} answered HTTP ${response.status} without a token; the job gets none`);
    log.redact(value);
    log.debug(`got an OIDC token for audience ${JSON.stringify(source.audience)} from ${where}`);
    return { ok: true, jwt: value };
  }
  return { ok: false, rejected: false, message: `requesting an OIDC token from ${where} failed: ${reason}` };
}

function refused(message: string): LoginFailure {
  return { ok: false, rejected: true, message };
}

async function readTokenValue(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { value?: unknown };
    return typeof body?.value === 'string' && body.value !== '' ? body.value : undefined;
  } catch {
    return undefined;
  }
}

function describeFetchFailure(error: unknown): string {
  if ((error as Error)?.name === 'TimeoutError')
    return `no answer within ${OIDC_REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string } })?.cause;
  return `request failed (${cause?.code ?? 'unknown error'})`;
}
