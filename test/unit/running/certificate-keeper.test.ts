// The certificate keeper with fake timers: reissue at about two thirds of a certificate's life
// (jittered), also past what one Node timer holds; retries while the old one lives; gives up at expiry.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { CertificateRequest } from '../../../src/cli/file-outputs';
import { CertificateKeeper } from '../../../src/running/certificate-keeper';
import { MAX_TIMER_MS } from '../../../src/util/clock';
import { createLogger } from '../../../src/util/log';
import type { IssueOutcome, IssuedCertificate } from '../../../src/vault/pki';

const log = createLogger({ level: 'error', format: 'text', write: () => {} });
const request: CertificateRequest = {
  name: 'tls',
  mount: 'pki',
  role: 'web',
  params: { common_name: 'localhost' },
};
const DAY_S = 86_400;

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

let serial = 0;
/** A certificate whose not_after is `lifeSeconds` from the fake clock's now. */
const certificate = (lifeSeconds: number): IssuedCertificate => ({
  name: 'tls',
  certificate: 'CERT',
  privateKey: 'KEY',
  caChain: 'CA',
  serialNumber: String(++serial),
  expiration: Date.now() / 1000 + lifeSeconds,
});

function keeperWith(
  outcomes: Array<(life: number) => IssueOutcome>,
  options: { random?: () => number } = {},
) {
  const issuedAt: number[] = [];
  const reissued: Array<{ serial: string; expiresAt: number }> = [];
  const onFailure = vi.fn();
  const issue = vi.fn(async (): Promise<IssueOutcome> => {
    issuedAt.push(Date.now());
    const next = outcomes.shift();
    return next ? next(0) : { kind: 'issued', certificate: certificate(90 * DAY_S) };
  });
  const keeper = new CertificateKeeper({
    issue,
    log,
    now: () => Date.now(),
    wallNow: () => Date.now(),
    random: options.random ?? (() => 0.5),
    onReissued: (issued, expiresAt) => reissued.push({ serial: issued.serialNumber, expiresAt }),
    onFailure,
  });
  return { keeper, issue, issuedAt, reissued, onFailure };
}

describe('CertificateKeeper', () => {
  test('a reissue is logged as certificate-reissued, not as a token re-login', async () => {
    const lines: string[] = [];
    const keeper = new CertificateKeeper({
      issue: async () => ({ kind: 'issued', certificate: certificate(90) }),
      log: createLogger({ level: 'info', format: 'json', write: (line) => lines.push(line) }),
      now: () => Date.now(),
      wallNow: () => Date.now(),
      random: () => 0.5,
      onReissued: () => {},
      onFailure: vi.fn(),
    });
    keeper.keep(request, certificate(90));
    await vi.advanceTimersByTimeAsync(60_000);
    keeper.stopAll();
    const events = lines.map((line) => (JSON.parse(line) as { event?: string }).event);
    expect(events).toEqual(['certificate-reissued']);
  });

  test('reissues at two thirds of the life, jittered by ±10 %, and hands over the old expiry', async () => {
    for (const [random, at] of [
      [0, 54_000],
      [0.5, 60_000],
      [1, 66_000],
    ] as const) {
      vi.setSystemTime(0);
      const { keeper, issuedAt, reissued } = keeperWith([], { random: () => random });
      keeper.keep(request, certificate(90));
      await vi.advanceTimersByTimeAsync(at - 1);
      expect(issuedAt).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(issuedAt).toEqual([at]);
      expect(reissued).toHaveLength(1);
      expect(reissued[0]!.expiresAt).toBe(90_000);
      keeper.stopAll();
      vi.clearAllTimers();
    }
  });

  test('a 90-day certificate (past what one timer holds) is reissued at day 60, not at once', async () => {
    const { keeper, issuedAt } = keeperWith([]);
    keeper.keep(request, certificate(90 * DAY_S));
    expect(60 * DAY_S * 1000).toBeGreaterThan(MAX_TIMER_MS);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1_000);
    expect(issuedAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(60 * DAY_S * 1000 - MAX_TIMER_MS - 1_000);
    expect(issuedAt).toEqual([60 * DAY_S * 1000]);
    keeper.stopAll();
  });

  test('keeps reissuing each new certificate at two thirds of its own life', async () => {
    const { keeper, issuedAt } = keeperWith([
      () => ({ kind: 'issued', certificate: certificate(30) }),
      () => ({ kind: 'issued', certificate: certificate(30) }),
    ]);
    keeper.keep(request, certificate(30));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(issuedAt).toEqual([20_000, 40_000, 60_000]);
    keeper.stopAll();
  });

  test('a transient failure is retried with backoff while the old certificate lives', async () => {
    const { keeper, issuedAt, reissued, onFailure } = keeperWith([
      () => ({ kind: 'transient', reason: 'connection refused' }),
    ]);
    keeper.keep(request, certificate(90));
    await vi.advanceTimersByTimeAsync(62_000);
    expect(issuedAt).toHaveLength(2);
    expect(issuedAt[0]).toBe(60_000);
    expect(issuedAt[1]!).toBeGreaterThan(60_000);
    expect(reissued).toHaveLength(1);
    expect(onFailure).not.toHaveBeenCalled();
    keeper.stopAll();
  });

  test('failing until the certificate expires ends the run; a refusal at once', async () => {
    const failing = keeperWith(
      Array.from({ length: 100 }, () => () => ({ kind: 'transient', reason: 'down' }) as const),
    );
    failing.keeper.keep(request, certificate(90));
    await vi.advanceTimersByTimeAsync(90_000);
    expect(failing.onFailure).toHaveBeenCalledOnce();
    expect(failing.onFailure.mock.calls[0]![0]).toMatch(/certificate tls expired/);

    const refused = keeperWith([
      () => ({ kind: 'rejected', reason: 'permission denied (HTTP 403)', status: 403 }),
    ]);
    refused.keeper.keep(request, certificate(90));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(refused.onFailure).toHaveBeenCalledWith(expect.stringContaining('permission denied'));
  });

  test('stopAll stops every timer', async () => {
    const { keeper, issue } = keeperWith([]);
    keeper.keep(request, certificate(90));
    keeper.stopAll();
    await vi.advanceTimersByTimeAsync(200_000);
    expect(issue).not.toHaveBeenCalled();
  });
});
