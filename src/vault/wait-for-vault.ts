// The wait for Vault: polls sys/health, with backoff, until Vault can serve requests or --wait-timeout
// runs out.
import { backoffDelays } from '../util/backoff';
import { monotonicNow, type Clock } from '../util/clock';
import { formatDuration } from '../util/duration';
import { VaultUnavailableError } from '../util/errors';
import type { Logger } from '../util/log';
import { sleep } from '../util/sleep';
import { VaultTransportError, type VaultClient } from './http/client';

/** First retry soon (a container often starts a moment before Vault), then back off to a calm pace. */
export const WAIT_INITIAL_DELAY_MS = 250;
export const WAIT_MAX_DELAY_MS = 5_000;

/**
 * Active (200), standby (429, only when standbyok is ignored) and performance standby (473) can all
 * serve reads, so they count as ready; not initialised (501), sealed (503), anything else and every
 * transport failure mean "wait".
 */
const READY_STATUSES = new Set([200, 429, 473]);

/** Vault never became ready within the wait: an outage, not a mistake (see commands/fallback-env.ts). */
export class VaultNotReadyError extends VaultUnavailableError {}

/**
 * Answers to sys/health that no Vault gives while down or sealed: a 4xx other than Vault's own 472
 * and 474 comes from something else at VAULT_ADDR (another web server, a proxy refusing us). Still
 * waited on, in case it is a proxy in front of a Vault that is starting, but a mistake, not an outage.
 */
function isMistakenAddress(status: number): boolean {
  return status >= 400 && status < 500 && status !== 472 && status !== 474;
}

export async function waitForVault(options: {
  client: VaultClient;
  timeoutMs: number;
  /** Each probe's own limit (--request-timeout); never longer than the time left to wait. */
  requestTimeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
  /** Monotonic milliseconds; injectable for tests. */
  now?: Clock;
  random?: () => number;
}): Promise<void> {
  const { client, timeoutMs, requestTimeoutMs, log, signal, now = monotonicNow } = options;
  const started = now();
  const delays = backoffDelays({
    initialMs: WAIT_INITIAL_DELAY_MS,
    maxMs: WAIT_MAX_DELAY_MS,
    random: options.random,
  });
  let lastReason = 'no answer yet';
  let lastWasOutage = true;

  for (let attempt = 1; ; attempt++) {
    // The first look always gets the whole request timeout: a wait shorter than one round trip
    // (--wait-timeout 0, "look once, do not wait") must still see a Vault that is up.
    const remaining = timeoutMs - (now() - started);
    const probeTimeoutMs =
      attempt === 1 ? requestTimeoutMs : Math.max(1, Math.min(remaining, requestTimeoutMs));
    const probe = await probeHealth(client, probeTimeoutMs);
    if (probe.kind === 'ready') {
      if (attempt > 1)
        log.info(`Vault at ${client.address} is ready after ${formatDuration(now() - started)}`);
      else log.debug(`Vault at ${client.address} is ready`);
      return;
    }
    if (probe.kind === 'fatal') {
      throw new VaultUnavailableError(
        `cannot use Vault at ${client.address}: ${probe.reason} (not retried: waiting will not fix it)`,
      );
    }
    lastReason = probe.reason;
    lastWasOutage = probe.outage;
    const elapsed = now() - started;
    if (timeoutMs === 0) break;
    log.info(
      `waiting for Vault at ${client.address}: ${lastReason} (attempt ${attempt}, ${formatDuration(elapsed)} of ${formatDuration(timeoutMs)})`,
      {
        event: 'wait',
        attempt,
        reason: lastReason,
      },
    );
    const delay = Math.min(delays.next().value, timeoutMs - elapsed);
    if (delay <= 0) break;
    await sleep(delay, signal);
    if (now() - started >= timeoutMs) break;
  }
  const within =
    timeoutMs === 0
      ? '(looked once, as --wait-timeout is 0; last:'
      : `within ${formatDuration(timeoutMs)} (last:`;
  throw new (lastWasOutage ? VaultNotReadyError : VaultUnavailableError)(
    `Vault at ${client.address} was not ready ${within} ${lastReason}); check VAULT_ADDR, that Vault runs and is unsealed, or raise --wait-timeout`,
  );
}

type Probe =
  { kind: 'ready' } | { kind: 'wait'; reason: string; outage: boolean } | { kind: 'fatal'; reason: string };

/**
 * One look at sys/health. A certificate problem, or plain HTTP sent to an HTTPS listener, is a
 * configuration mistake that no amount of waiting fixes, so it ends the wait at once.
 */
async function probeHealth(client: VaultClient, timeoutMs: number): Promise<Probe> {
  try {
    const response = await client.request('GET', 'sys/health', {
      query: { standbyok: 'true', perfstandbyok: 'true' },
      withNamespace: false,
      timeoutMs,
    });
    if (READY_STATUSES.has(response.status)) return { kind: 'ready' };
    if (
      response.status === 400 &&
      typeof response.body === 'string' &&
      /HTTP request to an HTTPS server/i.test(response.body)
    ) {
      return {
        kind: 'fatal',
        reason: 'it serves HTTPS but VAULT_ADDR says http://; use https:// (and VAULT_CACERT for its CA)',
      };
    }
    return {
      kind: 'wait',
      reason: describeHealthStatus(response.status),
      outage: !isMistakenAddress(response.status),
    };
  } catch (error) {
    if (!(error instanceof VaultTransportError)) throw error;
    return error.isCertificateProblem
      ? { kind: 'fatal', reason: error.reason }
      : { kind: 'wait', reason: error.reason, outage: true };
  }
}

function describeHealthStatus(status: number): string {
  switch (status) {
    case 501:
      return 'not initialised (501)';
    case 503:
      return 'sealed (503)';
    case 472:
      return 'disaster-recovery secondary (472)';
    case 474:
      return 'standby cannot reach the active node (474)';
    default:
      return `unexpected answer HTTP ${status} from sys/health`;
  }
}
