// One request with a brief retry: the single retry loop of the start-up steps (logins, lookups,
// reads, GitHub's token service). Schedulers that retry for as long as a token lives are running/'s.
import { backoffDelays } from '../../util/backoff';
import { VaultUnavailableError } from '../../util/errors';
import { sleep } from '../../util/sleep';
import {
  VaultTransportError,
  isTransientStatus,
  vaultMessage,
  type VaultClient,
  type VaultResponse,
} from './client';
import { REDIRECT_REFUSED } from './transport-error';

/** Start-up steps retry briefly: Vault just said it is healthy, so a failure now is a blip or a real error. */
export const STARTUP_ATTEMPTS = 3;
export const STARTUP_RETRY_INITIAL_MS = 500;
export const STARTUP_RETRY_MAX_MS = 4_000;

/** One attempt's outcome: done, or failed with a reason and whether another attempt may help. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; reason: string; retry: boolean };

export interface RetryOptions {
  attempts?: number;
  initialMs?: number;
  signal?: AbortSignal;
  /** Called before each further attempt; `next` counts from 2. */
  onRetry?: (reason: string, next: number) => void;
}

/** Runs `attempt` until it succeeds, fails for good, or has been tried `attempts` times, with backoff. */
export async function retryBriefly<T>(
  attempt: () => Promise<Attempt<T>>,
  options: RetryOptions = {},
): Promise<Attempt<T>> {
  const attempts = options.attempts ?? STARTUP_ATTEMPTS;
  const delays = backoffDelays({
    initialMs: options.initialMs ?? STARTUP_RETRY_INITIAL_MS,
    maxMs: STARTUP_RETRY_MAX_MS,
  });
  for (let count = 1; ; count++) {
    const outcome = await attempt();
    if (outcome.ok || !outcome.retry || count >= attempts) return outcome;
    options.onRetry?.(outcome.reason, count + 1);
    await sleep(delays.next().value, options.signal);
  }
}

/**
 * The last failure. `mayHaveReachedVault`: Vault may have acted on that attempt and its answer was
 * lost (a timeout, a cut connection, a gateway's 502 or 504); a `once` request then stopped there.
 */
export type TransientFailure = { transient: true; reason: string; mayHaveReachedVault: boolean };

/**
 * Runs one Vault request, retrying transport failures and transient statuses (5xx, 429, 412) a few
 * times with backoff. A request that acts when it arrives (a login: it mints a token and may use up a
 * single-use secret_id) is `once`: it is sent again only when it surely did not reach Vault (a refused
 * connection, a failed DNS lookup or handshake) or Vault answered with an error of its own (500, 503,
 * 429, 412); a timeout, a connection cut after the request was written, and a gateway's 502 or 504 end it.
 * Returns the final response, or the reason of the last failure.
 */
export async function requestWithRetry(
  send: () => Promise<VaultResponse>,
  options: RetryOptions & { once?: boolean } = {},
): Promise<VaultResponse | TransientFailure> {
  let mayHaveReachedVault = false;
  const outcome = await retryBriefly<VaultResponse>(async () => {
    let reason: string;
    mayHaveReachedVault = false;
    try {
      const response = await send();
      if (!isTransientStatus(response.status)) return { ok: true, value: response };
      reason = `${vaultMessage(response)} (HTTP ${response.status})`;
      mayHaveReachedVault = response.status === 502 || response.status === 504;
    } catch (error) {
      if (!(error instanceof VaultTransportError)) throw error;
      // The same redirect would come back: refusing it is a configuration answer, not a blip.
      if (error.code === REDIRECT_REFUSED) return { ok: false, reason: error.reason, retry: false };
      reason = error.reason;
      mayHaveReachedVault = error.mayHaveReachedVault;
    }
    return { ok: false, reason, retry: !(options.once === true && mayHaveReachedVault) };
  }, options);
  return outcome.ok ? outcome.value : { transient: true, reason: outcome.reason, mayHaveReachedVault };
}

export function isTransientFailure(result: VaultResponse | TransientFailure): result is TransientFailure {
  return 'transient' in result;
}

/** For a start-up step whose failure ends vault-exec: the response, or exit 69 naming `what`. */
export async function sendOrGiveUp(
  client: VaultClient,
  send: () => Promise<VaultResponse>,
  what: string,
): Promise<VaultResponse> {
  const result = await requestWithRetry(send);
  if (isTransientFailure(result))
    throw new VaultUnavailableError(`${what} at ${client.address} failed: ${result.reason}`);
  return result;
}
