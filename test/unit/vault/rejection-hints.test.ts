import { expect, test } from 'vitest';
import { hintForRejectedLogin, type LoginContext } from '../../../src/vault/auth/rejection-hints';

const jwt: LoginContext = { method: 'jwt', mount: 'jwt', role: 'ci', jwtFrom: '--jwt-file /ci/token' };
const github: LoginContext = { ...jwt, jwtFrom: 'GitHub Actions OIDC', githubAudience: 'sigstore' };
const kubernetes: LoginContext = {
  method: 'kubernetes',
  mount: 'kubernetes',
  role: 'app',
  jwtFrom: 'the service-account token /var/run/secrets/kubernetes.io/serviceaccount/token',
};
const contexts = { jwt, github, kubernetes };
const AUDIENCE_MISMATCH =
  'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience';

// Reasons as Vault 1.21 words them; the audience, claim, expiry, role and service-account ones
// were seen in the integration tests.
test.each([
  ['jwt', 400, AUDIENCE_MISMATCH, `the JWT's aud claim must be one of the role "ci"'s bound_audiences`],
  [
    'github',
    400,
    AUDIENCE_MISMATCH,
    `the JWT's aud claim must be one of the role "ci"'s bound_audiences; vault-exec asked GitHub for audience "sigstore" (--jwt-audience)`,
  ],
  [
    'jwt',
    400,
    'error validating claims: claim "repository" does not match any associated bound claim values',
    `the JWT's claims do not match the role "ci"'s bound_claims (and bound_claims_type: string or glob)`,
  ],
  [
    'jwt',
    400,
    'error validating claims: claim "sub" does not match any associated bound claim values',
    `the JWT's claims do not match the role "ci"'s bound_claims (and bound_claims_type: string or glob)`,
  ],
  [
    'jwt',
    400,
    'error validating token: invalid expiration time (exp) claim: token is expired',
    'the JWT from --jwt-file /ci/token has expired: CI tokens live minutes, so log in with a fresh one',
  ],
  ['jwt', 400, 'role "nope" could not be found', 'check --role: there is no role "ci" at auth/jwt/role/'],
  [
    'jwt',
    400,
    'error validating claims: sub claim does not match bound subject',
    `the JWT's sub claim does not match the role "ci"'s bound_subject`,
  ],
  [
    'jwt',
    400,
    'error validating token: invalid issuer (iss) claim',
    "the JWT's iss claim does not match bound_issuer in auth/jwt/config",
  ],
  [
    'jwt',
    400,
    'error validating token: failed to verify id token signature',
    "Vault cannot verify the JWT's signature: check jwks_url, oidc_discovery_url or jwt_validation_pubkeys in auth/jwt/config",
  ],
  ['jwt', 403, 'permission denied', 'check that the JWT auth method is enabled at auth/jwt (--auth-mount)'],
  [
    'kubernetes',
    403,
    'service account name not authorized',
    `the pod's service account is not in the role "app"'s bound_service_account_names`,
  ],
  [
    'kubernetes',
    403,
    'namespace not authorized',
    `the pod's namespace is not in the role "app"'s bound_service_account_namespaces (or its namespace selector)`,
  ],
  [
    'kubernetes',
    403,
    'permission denied',
    'the TokenReview API did not accept the service-account token, or Kubernetes auth is not enabled at auth/kubernetes (--auth-mount); check token_reviewer_jwt in auth/kubernetes/config',
  ],
] as const)('a %s login refused with %i "%s" says what to check', (context, status, reason, hint) => {
  expect(hintForRejectedLogin(status, reason, contexts[context])).toBe(hint);
});

test('an unknown reason still names the settings a JWT role binds', () => {
  expect(hintForRejectedLogin(400, 'something new', jwt)).toBe(
    'check the role "ci" at auth/jwt/role/ against the JWT\'s claims (bound_audiences, bound_claims, bound_subject)',
  );
});
