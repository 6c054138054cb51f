// The one brief-retry loop: which failures a request is sent again after. Scripted answers stand in
// for the transport here; what the transport reports for each network fault is transport.test.ts's.
import { expect, test } from 'vitest';
import type { VaultResponse } from '../../../../src/vault/http/client';
import { requestWithRetry, retryBriefly } from '../../../../src/vault/http/send';
import { REDIRECT_REFUSED, VaultTransportError } from '../../../../src/vault/http/transport-error';

type Step = VaultResponse | VaultTransportError;

/** A send that plays `steps` in order (the last one again when they run out), counting attempts. */
function scripted(steps: Step[]) {
  let sent = 0;
  return {
    sent: () => sent,
    send: async (): Promise<VaultResponse> => {
      const step = steps[Math.min(sent++, steps.length - 1)]!;
      if (step instanceof VaultTransportError) throw step;
      return step;
    },
  };
}

const fast = { initialMs: 1 };
const ok: VaultResponse = { status: 200, body: { auth: {} } };
const refused = new VaultTransportError('connection refused', 'ECONNREFUSED');
const cut = new VaultTransportError('connection reset before Vault answered', 'ECONNRESET', {
  mayHaveReachedVault: true,
});
const timedOut = new VaultTransportError('no answer within 1 s', 'ETIMEDOUT', { mayHaveReachedVault: true });
const status = (code: number): VaultResponse => ({ status: code, body: { errors: ['busy'] } });

test.each([
  ['a connection cut after the request was written', cut],
  ['a timeout', timedOut],
  ['a gateway timeout (504)', status(504)],
  ['a bad gateway (502)', status(502)],
])('a request sent once is not sent again after %s, and says its answer may be lost', async (_, fault) => {
  const vault = scripted([fault, ok]);
  const result = await requestWithRetry(vault.send, { once: true, ...fast });
  expect(vault.sent()).toBe(1);
  expect(result).toMatchObject({ transient: true, mayHaveReachedVault: true });
});

test.each([
  ['a refused connection', refused],
  ['a 503 from a sealed or standby Vault', status(503)],
  ['a 500 from Vault', status(500)],
  ['a 429', status(429)],
])('a request sent once is still retried after %s, which Vault did not act on', async (_, fault) => {
  const vault = scripted([fault, ok]);
  expect(await requestWithRetry(vault.send, { once: true, ...fast })).toBe(ok);
  expect(vault.sent()).toBe(2);
});

test('any other request is retried after a lost answer, up to three attempts', async () => {
  const vault = scripted([cut]);
  const result = await requestWithRetry(vault.send, fast);
  expect(vault.sent()).toBe(3);
  expect(result).toEqual({
    transient: true,
    reason: 'connection reset before Vault answered',
    mayHaveReachedVault: true,
  });
});

test('a refused redirect is not retried: the same redirect would come back', async () => {
  const vault = scripted([new VaultTransportError('redirect to http://b refused', REDIRECT_REFUSED)]);
  const result = await requestWithRetry(vault.send, fast);
  expect(vault.sent()).toBe(1);
  expect(result).toMatchObject({ transient: true, mayHaveReachedVault: false });
});

test('an answer that is not a transient status ends the retries, whatever it says', async () => {
  const vault = scripted([status(503), status(400)]);
  expect(await requestWithRetry(vault.send, fast)).toEqual(status(400));
  expect(vault.sent()).toBe(2);
});

test('retryBriefly announces each further attempt by its number and stops at a final failure', async () => {
  const announced: string[] = [];
  const outcomes = [
    { ok: false as const, reason: 'blip', retry: true },
    { ok: false as const, reason: 'blip again', retry: true },
    { ok: false as const, reason: 'final', retry: false },
  ];
  let index = 0;
  const result = await retryBriefly(async () => outcomes[index++]!, {
    attempts: 5,
    ...fast,
    onRetry: (reason, next) => announced.push(`${reason} → attempt ${next}`),
  });
  expect(result).toEqual({ ok: false, reason: 'final', retry: false });
  expect(announced).toEqual(['blip → attempt 2', 'blip again → attempt 3']);
});
