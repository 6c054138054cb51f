// What to check when Vault rejects a JWT or Kubernetes login. Vault's reason says what failed ("aud
// claim does not match", "token is expired"); the hint names the setting on the Vault role or on
// vault-exec's side to fix. Pure, so every wording is unit-tested.
export interface LoginContext {
  method: 'jwt' | 'kubernetes';
  mount: string;
  role: string;
  /** Where the JWT came from, for hints about the token itself ("--jwt-file /ci/token"). */
  jwtFrom: string;
  /** Set when the JWT was requested from GitHub Actions with this audience. */
  githubAudience?: string;
}

type Hint = { pattern: RegExp; hint: (context: LoginContext) => string };

const JWT_HINTS: Hint[] = [
  {
    pattern: /role .*(could not be found|not found)|invalid role name/i,
    hint: ({ role, mount }) => `check --role: there is no role "${role}" at auth/${mount}/role/`,
  },
  {
    pattern: /\baud(ience)?\b/i,
    hint: ({ role, githubAudience }) =>
      `the JWT's aud claim must be one of the role "${role}"'s bound_audiences` +
      (githubAudience === undefined
        ? ''
        : `; vault-exec asked GitHub for audience "${githubAudience}" (--jwt-audience)`),
  },
  {
    pattern: /expired|\bexp\b/i,
    hint: ({ jwtFrom }) =>
      `the JWT from ${jwtFrom} has expired: CI tokens live minutes, so log in with a fresh one`,
  },
  {
    pattern: /not yet valid|\bnbf\b|\biat\b|issued at/i,
    hint: () =>
      "the JWT is not valid yet: check this machine's clock (the auth method allows clock_skew_leeway)",
  },
  {
    pattern: /bound.subject|\bsub claim/i,
    hint: ({ role }) => `the JWT's sub claim does not match the role "${role}"'s bound_subject`,
  },
  {
    pattern: /bound claim|claim .*(missing|does not match)/i,
    hint: ({ role }) =>
      `the JWT's claims do not match the role "${role}"'s bound_claims (and bound_claims_type: string or glob)`,
  },
  {
    pattern: /\biss(uer)?\b/i,
    hint: ({ mount }) => `the JWT's iss claim does not match bound_issuer in auth/${mount}/config`,
  },
  {
    pattern: /user_claim|not found in token/i,
    hint: ({ role }) => `the JWT lacks the claim named by the role "${role}"'s user_claim`,
  },
  {
    pattern: /signature|no known key|keyset|verif/i,
    hint: ({ mount }) =>
      `Vault cannot verify the JWT's signature: check jwks_url, oidc_discovery_url or jwt_validation_pubkeys in auth/${mount}/config`,
  },
];

const KUBERNETES_HINTS: Hint[] = [
  {
    pattern: /invalid role name|role .*not found/i,
    hint: ({ role, mount }) => `check --role: there is no role "${role}" at auth/${mount}/role/`,
  },
  {
    pattern: /service account name not authorized/i,
    hint: ({ role }) =>
      `the pod's service account is not in the role "${role}"'s bound_service_account_names`,
  },
  {
    pattern: /namespace not authorized/i,
    hint: ({ role }) =>
      `the pod's namespace is not in the role "${role}"'s bound_service_account_namespaces (or its namespace selector)`,
  },
  {
    pattern: /\baud(ience)?\b/i,
    hint: ({ role }) => `the token's audience does not match the role "${role}"'s audience`,
  },
  {
    pattern: /expired/i,
    hint: ({ jwtFrom }) => `the service-account token from ${jwtFrom} has expired`,
  },
  {
    pattern: /x509|certificate|tls|connection|dial|no such host|tokenreview/i,
    hint: ({ mount }) =>
      `Vault could not ask the Kubernetes TokenReview API: check kubernetes_host and kubernetes_ca_cert in auth/${mount}/config`,
  },
];

/** `status` and `reason` are Vault's answer; the result is the part of the line after the reason. */
export function hintForRejectedLogin(status: number, reason: string, context: LoginContext): string {
  const hints = context.method === 'jwt' ? JWT_HINTS : KUBERNETES_HINTS;
  const match = hints.find(({ pattern }) => pattern.test(reason));
  if (match) return match.hint(context);
  const kind = context.method === 'jwt' ? 'JWT' : 'Kubernetes';
  if (status === 403 && context.method === 'kubernetes')
    return `the TokenReview API did not accept the service-account token, or Kubernetes auth is not enabled at auth/${context.mount} (--auth-mount); check token_reviewer_jwt in auth/${context.mount}/config`;
  if (status === 403)
    return `check that the ${kind} auth method is enabled at auth/${context.mount} (--auth-mount)`;
  return `check the role "${context.role}" at auth/${context.mount}/role/ against the JWT's claims (bound_audiences, bound_claims, bound_subject)`;
}
