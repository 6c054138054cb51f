// The token keeper's re-login with fake timers: which failures wait and retry while the token still
// lives, and which stop the child at once.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { AwsLogin } from '../../../src/cli/config';
import { CredentialLedger } from '../../../src/running/credential-ledger';
import { TokenKeeper } from '../../../src/running/token-keeper';
import { createLogger } from '../../../src/util/log';
import { createScriptedVault } from './scripted-vault';

const log = createLogger({ level: 'error', format: 'text', write: () => {} });
const ENDPOINT = 'http://127.0.0.1:1339/creds';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** An aws login through a container credentials endpoint that answers `status` to every request. */
function keeperWithContainerEndpoint(status: number) {
  const asked: number[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => {
      asked.push(Date.now());
      if (status !== 200) return new Response('{"message":"refused"}', { status });
      const credentials = {
        AccessKeyId: 'ASIAEXAMPLE',
        SecretAccessKey: 'secret',
        Token: 'session',
        Expiration: new Date(Date.now() + 3_600_000).toISOString(),
      };
      return new Response(JSON.stringify(credentials), { status });
    }),
  );
  const auth: AwsLogin = {
    method: 'aws',
    mount: 'aws',
    role: 'app',
    sts: { url: 'https://sts.amazonaws.com/', region: 'us-east-1' },
    credentials: { kind: 'container', url: ENDPOINT, origin: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' },
  };
  const vault = createScriptedVault();
  vault.tokenTtl = 60;
  vault.tokenMaxTtl = 60;
  const now = () => Date.now();
  const onFailure = vi.fn();
  const keeper = new TokenKeeper({
    client: vault,
    auth,
    session: { token: 'hvs.first', ttlSeconds: 60, renewable: false, batch: false },
    issuedAt: now(),
    ledger: new CredentialLedger(vault, log, now),
    log,
    now,
    onFailure,
    onReplaced: vi.fn(),
  });
  return { keeper, asked, onFailure, vault };
}

test('a credential endpoint refusing at a re-login is retried while the token lives, not fatal at once', async () => {
  const { keeper, asked, onFailure } = keeperWithContainerEndpoint(403);
  // A 60 s token that cannot be renewed: replaced at about 40 s.
  await vi.advanceTimersByTimeAsync(45_000);
  expect(asked.length).toBeGreaterThanOrEqual(2);
  expect(onFailure).not.toHaveBeenCalled();
  // Still refused when the token runs out: then the child is stopped.
  await vi.advanceTimersByTimeAsync(15_000);
  expect(onFailure).toHaveBeenCalledTimes(1);
  expect(onFailure.mock.calls[0]![0]).toMatch(/refused the request \(HTTP 403\)/);
  keeper.stop();
});

test('re-logins share the credentials fetched for the first while they are valid, and ask the source once', async () => {
  const { keeper, asked, onFailure, vault } = keeperWithContainerEndpoint(200);
  await vi.advanceTimersByTimeAsync(200_000);
  expect(vault.calls.filter((call) => call === 'POST auth/aws/login').length).toBeGreaterThanOrEqual(3);
  expect(asked).toHaveLength(1);
  expect(onFailure).not.toHaveBeenCalled();
  keeper.stop();
});
