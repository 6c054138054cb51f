// What each rejection of a cert login tells the user to check, for Vault's own reasons.
import { describe, expect, test } from 'vitest';
import { hintForRejectedCertLogin } from '../../../../src/vault/auth/cert';

describe('hintForRejectedCertLogin', () => {
  const auth = { method: 'cert' as const, mount: 'cert', role: 'web' };
  test.each([
    [
      'invalid certificate or no client certificate supplied',
      /not signed by the CA in the certificate of auth\/cert\/certs\/web, or it did not reach Vault/,
    ],
    [
      'failed to match all constraints for this login certificate',
      /not signed by the CA .* or does not meet its constraints/,
    ],
  ])('%s', (reason, hint) => {
    expect(hintForRejectedCertLogin(400, reason, auth)).toMatch(hint);
  });

  test('a 403 points at the mount', () => {
    expect(hintForRejectedCertLogin(403, 'permission denied', auth)).toMatch(/enabled at auth\/cert/);
  });
});
