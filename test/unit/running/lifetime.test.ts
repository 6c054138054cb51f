import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../../src/util/log';
import { renewalDelayMs, watchLifetime, type ReacquireOutcome } from '../../../src/running/lifetime';
import type { RenewOutcome } from '../../../src/vault/renew';

const log = createLogger({ level: 'error', format: 'text', write: () => {} });
const midpoint = () => 0.5;

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('renewalDelayMs', () => {
  test('lands at two thirds of the TTL, give or take 10 %', () => {
    expect(renewalDelayMs(30_000, () => 0)).toBe(18_000);
    expect(renewalDelayMs(30_000, () => 0.5)).toBe(20_000);
    expect(renewalDelayMs(30_000, () => 1)).toBe(22_000);
  });
});

function renewer(outcomes: RenewOutcome[]) {
  const calls: number[] = [];
  const renew = vi.fn(async (increment: number): Promise<RenewOutcome> => {
    calls.push(Date.now());
    return outcomes.shift() ?? { kind: 'renewed', ttlSeconds: increment };
  });
  return { renew, calls };
}

describe('watchLifetime', () => {
  test('counts the TTL from when it was issued, so slow reads after the login cannot outlast it', async () => {
    // A 6 s token, and 3.5 s of reads between the login and the child's start: renewing 2/3 of 6 s
    // after the start (7.5 s after the login) would be too late.
    const issuedAt = Date.now();
    await vi.advanceTimersByTimeAsync(3_500);
    const { renew, calls } = renewer([]);
    const watcher = watchLifetime(
      { issuedAt, name: 'token', ttlSeconds: 6, renewable: true, renew },
      { log, onFailure: vi.fn(), random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(2_500);
    watcher.stop();
    expect(calls).toHaveLength(1);
    expect(calls[0]!).toBeLessThan(issuedAt + 6_000);
  });

  test('renews once per lifetime at about two thirds of the TTL, with no polling in between', async () => {
    const { renew, calls } = renewer([]);
    const onFailure = vi.fn();
    const watcher = watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 30, renewable: true, renew },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(100_000);
    expect(calls).toEqual([20_000, 40_000, 60_000, 80_000, 100_000]);
    expect(renew).toHaveBeenCalledWith(30);
    expect(onFailure).not.toHaveBeenCalled();
    watcher.stop();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(calls).toHaveLength(5);
  });

  test('retries transient failures with growing delays and never faster than the backoff', async () => {
    const failures: RenewOutcome[] = Array.from({ length: 4 }, () => ({
      kind: 'transient',
      reason: 'connection refused',
    }));
    const { renew, calls } = renewer(failures);
    const onFailure = vi.fn();
    watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 600, renewable: true, renew },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(420_000);
    expect(calls[0]).toBe(400_000);
    const gaps = calls.slice(1, 5).map((at, index) => at - calls[index]!);
    expect(gaps).toEqual([750, 1_500, 3_000, 6_000]);
    expect(onFailure).not.toHaveBeenCalled();
  });

  test('gives up with one failure when Vault stays unreachable until the token would expire', async () => {
    const { renew, calls } = renewer(
      Array.from({ length: 1_000 }, () => ({ kind: 'transient', reason: 'connection refused' })),
    );
    const onFailure = vi.fn();
    watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 30, renewable: true, renew },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onFailure.mock.calls[0]![0]).toMatch(
      /failed until the token expired \(last: connection refused\)/,
    );
    expect(calls.length).toBeLessThan(10);
    expect(calls.at(-1)).toBeLessThan(30_000);
  });

  test('fails at once, without retrying, when renewal is refused', async () => {
    const { renew } = renewer([{ kind: 'rejected', reason: 'permission denied (HTTP 403)' }]);
    const onFailure = vi.fn();
    watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 30, renewable: true, renew },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(120_000);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledWith('renewing the token was refused: permission denied (HTTP 403)');
  });

  test('treats a capped renewal as "max TTL near" and re-acquires before expiry instead of failing', async () => {
    const { renew, calls } = renewer([
      { kind: 'renewed', ttlSeconds: 30 },
      { kind: 'renewed', ttlSeconds: 12 },
    ]);
    const reacquired: number[] = [];
    const reacquire = vi.fn(async (): Promise<ReacquireOutcome> => {
      reacquired.push(Date.now());
      return { kind: 'acquired', ttlSeconds: 30, renewable: true, issuedAt: Date.now() };
    });
    const onFailure = vi.fn();
    watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 30, renewable: true, renew, reacquire },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(50_000);
    // renewals at 20 s and 40 s; the second grants 12 s (expiry at 52 s), so re-login at 40 + 8 = 48 s.
    expect(calls.slice(0, 2)).toEqual([20_000, 40_000]);
    expect(reacquired).toEqual([48_000]);
    expect(onFailure).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls.at(-1)).toBe(68_000);
  });

  test('stops the child at expiry when a capped lifetime cannot be replaced', async () => {
    const { renew } = renewer([{ kind: 'renewed', ttlSeconds: 5 }]);
    const onFailure = vi.fn();
    watchLifetime(
      { issuedAt: Date.now(), name: 'lease of database/creds/app', ttlSeconds: 30, renewable: true, renew },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(24_999);
    expect(onFailure).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onFailure).toHaveBeenCalledWith(
      'the lease of database/creds/app expired and cannot be renewed or replaced',
    );
  });

  test('fails when re-login is refused', async () => {
    const { renew } = renewer([{ kind: 'renewed', ttlSeconds: 3 }]);
    const reacquire = vi.fn(async (): Promise<ReacquireOutcome> => ({
      kind: 'rejected',
      reason: 'invalid role or secret ID',
    }));
    const onFailure = vi.fn();
    watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 30, renewable: true, renew, reacquire },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(30_000);
    expect(reacquire).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledWith('replacing the token was refused: invalid role or secret ID');
  });

  test('does nothing for a token without expiry', async () => {
    const { renew } = renewer([]);
    watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 0, renewable: false, renew },
      { log, onFailure: vi.fn(), random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(1_000_000);
    expect(renew).not.toHaveBeenCalled();
  });
});

test('re-acquires when Vault says the lifetime is past its max TTL, instead of retrying', async () => {
  const { renew, calls } = renewer([{ kind: 'exhausted', reason: 'past the max TTL, cannot renew' }]);
  const reacquire = vi.fn(async (): Promise<ReacquireOutcome> => ({
    kind: 'acquired',
    ttlSeconds: 30,
    renewable: true,
    issuedAt: Date.now(),
  }));
  const onFailure = vi.fn();
  watchLifetime(
    { issuedAt: Date.now(), name: 'token', ttlSeconds: 30, renewable: true, renew, reacquire },
    { log, onFailure, random: midpoint },
  );
  await vi.advanceTimersByTimeAsync(27_000);
  // renewal at 20 s answers "exhausted" with 10 s left: re-login at 20 + 2/3 of 10 s.
  expect(calls).toEqual([20_000]);
  expect(reacquire).toHaveBeenCalledTimes(1);
  expect(onFailure).not.toHaveBeenCalled();
});

describe('long lifetimes and clock steps', () => {
  const HOUR_MS = 3_600_000;

  test('a 700 h non-renewable token is stopped at its expiry, not after a millisecond', async () => {
    const onFailure = vi.fn();
    const renew = vi.fn();
    watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 700 * 3600, renewable: false, renew },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onFailure).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(700 * HOUR_MS - 2_000);
    expect(onFailure).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onFailure).toHaveBeenCalledExactlyOnceWith('the token expired and cannot be renewed or replaced');
    expect(renew).not.toHaveBeenCalled();
  });

  test('a 1,000 h renewable lease is renewed once, at two thirds of its TTL, not in a hot loop', async () => {
    const { renew, calls } = renewer([]);
    const onFailure = vi.fn();
    const watcher = watchLifetime(
      {
        issuedAt: Date.now(),
        name: 'lease of database/creds/app',
        ttlSeconds: 1_000 * 3600,
        renewable: true,
        renew,
      },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(600 * HOUR_MS);
    expect(renew).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100 * HOUR_MS);
    expect(calls).toEqual([Math.round((1_000 * HOUR_MS * 2) / 3)]);
    expect(onFailure).not.toHaveBeenCalled();
    watcher.stop();
  });

  test('a wall-clock step does not turn the next transient failure into a final one', async () => {
    const { renew, calls } = renewer([
      { kind: 'transient', reason: 'connection refused' },
      { kind: 'transient', reason: 'connection refused' },
    ]);
    const onFailure = vi.fn();
    const watcher = watchLifetime(
      { issuedAt: Date.now(), name: 'token', ttlSeconds: 3600, renewable: true, renew },
      { log, onFailure, random: midpoint },
    );
    await vi.advanceTimersByTimeAsync(40 * 60_000);
    expect(calls).toHaveLength(1);
    // NTP corrects the wall clock by a day (a VM resumed): Date.now jumps, the monotonic clock does not.
    vi.setSystemTime(Date.now() + 24 * HOUR_MS);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(3);
    expect(onFailure).not.toHaveBeenCalled();
    watcher.stop();
  });
});
