// How a request that got no usable answer failed (VaultTransportError): refused, reset, timed out, a TLS
// or certificate failure, or one of the transport's own refusals, each as a reason a user can act on.

/** The peer's certificate chain does not lead to a CA we trust. */
const UNTRUSTED_CERTIFICATE_ERRORS = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Certificate checks that failed on either side: waiting will not change a certificate. */
const CERTIFICATE_ERRORS = new Set([
  ...UNTRUSTED_CERTIFICATE_ERRORS,
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  // The same alert as BoringSSL names it: the standalone binary's runtime (Bun) reports this code.
  'ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_OSSL_X509_KEY_VALUES_MISMATCH',
]);

export function isUntrustedCertificate(code: string | undefined): boolean {
  return code !== undefined && UNTRUSTED_CERTIFICATE_ERRORS.has(code);
}

/** Codes of the transport's own refusals; their reasons are written where they are raised. */
export const REDIRECT_REFUSED = 'ERR_VAULT_REDIRECT_REFUSED';
export const RESPONSE_TOO_LARGE = 'ERR_VAULT_RESPONSE_TOO_LARGE';
export const DEADLINE_EXCEEDED = 'ETIMEDOUT';

/** The request never got a (complete, acceptable) HTTP answer: refused, reset, timed out, TLS failure. */
export class VaultTransportError extends Error {
  constructor(
    readonly reason: string,
    readonly code: string | undefined,
    options?: { cause?: unknown; mayHaveReachedVault?: boolean },
  ) {
    super(reason, options);
    this.name = 'VaultTransportError';
    this.mayHaveReachedVault = options?.mayHaveReachedVault ?? false;
  }

  /**
   * The whole request was sent before the failure, so Vault may have acted on it and its answer was
   * lost. False when the connection never carried the request (refused, DNS, TLS handshake).
   */
  readonly mayHaveReachedVault: boolean;

  get isCertificateProblem(): boolean {
    return this.code !== undefined && CERTIFICATE_ERRORS.has(this.code);
  }
}

/** Node's error codes, turned into a reason a user can act on. */
export function describeTransportFailure(
  code: string | undefined,
  address: string,
  timeoutMs: number,
): string {
  if (isUntrustedCertificate(code))
    return `TLS: the server's certificate is not signed by a trusted CA (${code}); set VAULT_CACERT to Vault's CA`;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_BAD_RESPONSE':
      return 'connection reset before Vault answered';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
      return `no answer within ${Math.round(timeoutMs / 100) / 10} s`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${address}`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return "TLS: the server's certificate does not match the host name; fix VAULT_ADDR or set VAULT_TLS_SERVER_NAME";
    case 'CERT_HAS_EXPIRED':
      return "TLS: the server's certificate has expired";
    // The server's side of mutual TLS: it wants a client certificate, or does not trust the one we sent.
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_TLSV1_ALERT_CERTIFICATE_REQUIRED':
      return 'TLS: Vault requires a client certificate; set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY';
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return `TLS: Vault rejected the client certificate (${code}); VAULT_CLIENT_CERT must be signed by a CA Vault trusts for client authentication`;
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return 'TLS handshake rejected by Vault (does it require a client certificate? set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)';
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
      return 'TLS: VAULT_CLIENT_KEY is not the private key of VAULT_CLIENT_CERT';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'TLS handshake failed (is the address http:// vs https:// right?)';
    default:
      return `request failed (${code ?? 'unknown error'})`;
  }
}
