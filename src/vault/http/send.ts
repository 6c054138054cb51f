import { backoffDelays } from '../../util/backoff';
import { sleep } from '../../util/sleep';
import { VaultTransportError, isTransientStatus, vaultMessage, type VaultResponse } from './client';

/** Start-up steps retry briefly: Vault just said it is healthy, so a failure now is a blip or a real error. */
export const STARTUP_ATTEMPTS = 3;
export const STARTUP_RETRY_INITIAL_MS = 500;

export type TransientFailure = { transient: true; reason: string };

/**
 * Runs one Vault request, retrying transport failures and transient statuses (5xx, 429, 412) a few
 * times with backoff. Returns the final response, or the reason of the last transient failure.
 */
export async function requestWithRetry(
  send: () => Promise<VaultResponse>,
  options: {
    attempts?: number;
    signal?: AbortSignal;
    onRetry?: (reason: string, attempt: number) => void;
  } = {},
): Promise<VaultResponse | TransientFailure> {
  const attempts = options.attempts ?? STARTUP_ATTEMPTS;
  const delays = backoffDelays({ initialMs: STARTUP_RETRY_INITIAL_MS, maxMs: 4_000 });
  let reason = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await send();
      if (!isTransientStatus(response.status)) return response;
      reason = `${vaultMessage(response)} (HTTP ${response.status})`;
    } catch (error) {
      if (!(error instanceof VaultTransportError)) throw error;
      reason = error.reason;
    }
    if (attempt < attempts) {
      options.onRetry?.(reason, attempt);
      await sleep(delays.next().value, options.signal);
    }
  }
  return { transient: true, reason };
}

export function isTransientFailure(result: VaultResponse | TransientFailure): result is TransientFailure {
  return 'transient' in result;
}
