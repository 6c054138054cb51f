// A JWT issuer for tests: an RSA key pair made here, and RS256 signing with node:crypto. Vault's jwt
// auth method trusts it through jwt_validation_pubkeys, and the Kubernetes tests use it to make
// service-account-shaped tokens. Every JWT it signs is remembered by the leak scan.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { rememberSecret } from './leak-scan';

export interface JwtIssuer {
  publicKeyPem: string;
  /** The public key as a JSON Web Key, for a JWKS document. */
  publicJwk: Record<string, unknown>;
  /**
   * Signs `claims`; `iat`/`nbf` are now (or `issuedSecondsAgo` earlier) and `exp` is `ttlSeconds`
   * (default 5 minutes) after that.
   */
  sign(claims: Record<string, unknown>, options?: { ttlSeconds?: number; issuedSecondsAgo?: number }): string;
}

const KEY_ID = 'vault-exec-test';

export function createJwtIssuer(): JwtIssuer {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'RS256', use: 'sig' },
    sign: (claims, options = {}) =>
      signJwt(privateKey, claims, options.ttlSeconds ?? 300, options.issuedSecondsAgo ?? 0),
  };
}

function signJwt(
  key: KeyObject,
  claims: Record<string, unknown>,
  ttlSeconds: number,
  issuedSecondsAgo: number,
): string {
  const now = Math.floor(Date.now() / 1000) - issuedSecondsAgo;
  const header = { alg: 'RS256', typ: 'JWT', kid: KEY_ID };
  // jti makes every JWT distinct, so the leak scan can tell them apart.
  const payload = {
    iat: now,
    nbf: now,
    exp: now + ttlSeconds,
    jti: randomBytes(8).toString('hex'),
    ...claims,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(signingInput), key).toString('base64url');
  return rememberSecret(`${signingInput}.${signature}`);
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
