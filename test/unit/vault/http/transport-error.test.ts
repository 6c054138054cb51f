// Error codes from either runtime (Node's OpenSSL, the standalone binary's BoringSSL) give one reason.
import { describe, expect, test } from 'vitest';
import { VaultTransportError, describeTransportFailure } from '../../../../src/vault/http/transport-error';

describe('a listener that requires a client certificate', () => {
  test.each(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED'])(
    '%s names the missing certificate and is not waited out',
    (code) => {
      expect(describeTransportFailure(code, 'https://vault:8200', 5000)).toBe(
        'TLS: Vault requires a client certificate; set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY',
      );
      expect(new VaultTransportError('reason', code).isCertificateProblem).toBe(true);
    },
  );
});
