// When temporary AWS credentials are fetched again: kept until REFRESH_MARGIN_MS before they
// expire, refetched inside it, never for long-term keys. The container endpoint is the double here
// (global fetch stubbed); the same cache serves every temporary source.
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { AwsCredentialSource } from '../../../src/cli/config';
import { AwsCredentialKeeper, REFRESH_MARGIN_MS, needsRefresh } from '../../../src/aws/credentials';
import { createLogger } from '../../../src/util/log';

const T0 = new Date('2026-12-04T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

afterEach(() => vi.unstubAllGlobals());

describe('needsRefresh', () => {
  test.each([
    ['long-term keys (no expiry)', undefined, 0, false],
    ['an hour left', 60 * 60_000, 0, false],
    ['a second more than the margin left', REFRESH_MARGIN_MS + 1_000, 0, false],
    ['exactly the margin left', REFRESH_MARGIN_MS, 0, true],
    ['a minute left', 60_000, 0, true],
    ['already expired', 0, 1_000, true],
  ])('%s', (_, expiresIn, elapsed, expected) => {
    const credentials = {
      accessKeyId: 'ASIA',
      secretAccessKey: 's',
      ...(expiresIn === undefined ? {} : { expiration: at(expiresIn) }),
    };
    expect(needsRefresh(credentials, at(elapsed))).toBe(expected);
  });
});

describe('AwsCredentialKeeper', () => {
  function containerAnswering(lifetimeMs: number) {
    let issued = 0;
    const fetch = vi.fn(async () => {
      issued += 1;
      return new Response(
        JSON.stringify({
          AccessKeyId: `ASIA${issued}`,
          SecretAccessKey: `secret-${issued}`,
          Token: `token-${issued}`,
          Expiration: at(lifetimeMs).toISOString(),
        }),
        { status: 200 },
      );
    });
    vi.stubGlobal('fetch', fetch);
    return fetch;
  }
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', format: 'text', write: (line) => lines.push(line) });
  const source = (): AwsCredentialSource => ({
    kind: 'container',
    url: 'http://127.0.0.1:1/creds',
    origin: 'test',
  });

  test('keeps credentials until the margin, then fetches new ones before they expire', async () => {
    const fetch = containerAnswering(REFRESH_MARGIN_MS + 60_000);
    const keeper = new AwsCredentialKeeper(source());
    let now = T0;
    const first = await keeper.obtain({ now: () => now, log });
    now = at(59_000);
    const kept = await keeper.obtain({ now: () => now, log });
    now = at(60_000);
    const refreshed = await keeper.obtain({ now: () => now, log });
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(first.ok && first.value.accessKeyId).toBe('ASIA1');
    expect(kept.ok && kept.value.accessKeyId).toBe('ASIA1');
    expect(refreshed.ok && refreshed.value.accessKeyId).toBe('ASIA2');
    expect(lines.join('\n')).toMatch(
      /refreshed AWS credentials from the container credentials endpoint \(test\)/,
    );
  });

  test('each keeper keeps its own: no state is shared through the configured source', async () => {
    const fetch = containerAnswering(60 * 60_000);
    const configured = source();
    await new AwsCredentialKeeper(configured).obtain({ now: () => T0, log });
    await new AwsCredentialKeeper(configured).obtain({ now: () => T0, log });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  test('never prints what it fetched: the secret and the session token are redacted', async () => {
    containerAnswering(60 * 60_000);
    const printed: string[] = [];
    const quiet = createLogger({ level: 'debug', format: 'text', write: (line) => printed.push(line) });
    await new AwsCredentialKeeper(source()).obtain({ now: () => T0, log: quiet });
    quiet.info('secret-1 token-1');
    expect(printed.join('\n')).not.toMatch(/secret-1|token-1/);
  });

  test('a refusal of the container endpoint is final (77 at start); no answer may pass (69)', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{}', { status: 401 })),
    );
    expect(await new AwsCredentialKeeper(source()).obtain({ now: () => T0, log })).toMatchObject({
      ok: false,
      kind: 'refused',
    });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      }),
    );
    expect(await new AwsCredentialKeeper(source()).obtain({ now: () => T0, log })).toMatchObject({
      ok: false,
      kind: 'unavailable',
      message: expect.stringContaining('request failed (ECONNREFUSED)'),
    });
  });

  test('keys from the environment are used as they are, without a fetch', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const outcome = await new AwsCredentialKeeper({
      kind: 'env',
      accessKeyId: 'AKID',
      secretAccessKey: 's',
    }).obtain({ now: () => T0, log });
    expect(outcome).toEqual({ ok: true, value: { kind: 'env', accessKeyId: 'AKID', secretAccessKey: 's' } });
    expect(fetch).not.toHaveBeenCalled();
  });
});
