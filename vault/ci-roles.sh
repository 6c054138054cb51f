#!/bin/sh
# Lets CI jobs and pods log in to Vault with the identity they already have, so no Vault credential
# is stored anywhere: vault-exec --auth jwt (GitHub Actions OIDC, GitLab id_tokens) or
# --auth kubernetes (a service account). Idempotent, like init.sh: run it again and it converges.
#
# Each part runs only when its settings are given; the roles get the app policy init.sh wrote
# ($POLICY), short token TTLs, and bindings that name exactly one repository/branch or service account.
#
#   GitHub Actions  GITHUB_REPOSITORY=acme/app [GITHUB_REF=refs/heads/main] [GITHUB_AUDIENCE=sigstore]
#                   [GITHUB_MOUNT=jwt] [GITHUB_OIDC_URL=https://token.actions.githubusercontent.com]
#   GitLab CI       GITLAB_PROJECT_PATH=acme/app [GITLAB_URL=https://gitlab.com] [GITLAB_REF=main]
#                   [GITLAB_AUDIENCE=$VAULT_ADDR] [GITLAB_MOUNT=gitlab]
#   Kubernetes      K8S_NAMESPACE=shop K8S_SERVICE_ACCOUNT=checkout [K8S_HOST=https://kubernetes.default.svc]
#                   [K8S_CA_CERT=file] [K8S_REVIEWER_JWT_FILE=file] [K8S_AUDIENCE] [K8S_MOUNT=kubernetes]
#
# Common: VAULT_ADDR, VAULT_TOKEN (an operator token) required; PROJECT [saas-project]
# APP_ENV [dev]; POLICY [$PROJECT-$APP_ENV, from init.sh]; CI_ROLE [$PROJECT-$APP_ENV-ci];
# TOKEN_TTL [10m]; TOKEN_MAX_TTL [1h]. See vault/README.md, "CI and Kubernetes logins".
set -eu

: "${VAULT_ADDR:?set VAULT_ADDR to the Vault server}"
: "${VAULT_TOKEN:?set VAULT_TOKEN to an operator token}"
PROJECT="${PROJECT:-saas-project}"
APP_ENV="${APP_ENV:-dev}"
POLICY="${POLICY:-$PROJECT-$APP_ENV}"
CI_ROLE="${CI_ROLE:-$PROJECT-$APP_ENV-ci}"
TOKEN_TTL="${TOKEN_TTL:-10m}"
TOKEN_MAX_TTL="${TOKEN_MAX_TTL:-1h}"
GITHUB_MOUNT="${GITHUB_MOUNT:-jwt}"
GITHUB_OIDC_URL="${GITHUB_OIDC_URL:-https://token.actions.githubusercontent.com}"
GITHUB_REF="${GITHUB_REF:-refs/heads/main}"
GITHUB_AUDIENCE="${GITHUB_AUDIENCE:-sigstore}"
GITLAB_MOUNT="${GITLAB_MOUNT:-gitlab}"
GITLAB_URL="${GITLAB_URL:-https://gitlab.com}"
GITLAB_REF="${GITLAB_REF:-main}"
GITLAB_AUDIENCE="${GITLAB_AUDIENCE:-$VAULT_ADDR}"
K8S_MOUNT="${K8S_MOUNT:-kubernetes}"
K8S_HOST="${K8S_HOST:-https://kubernetes.default.svc}"
export VAULT_ADDR VAULT_TOKEN

say() { echo "vault-ci-roles: $*" >&2; }
fail() { say "error: $*"; exit 1; }

for name in "$POLICY" "$CI_ROLE" "$GITHUB_MOUNT" "$GITLAB_MOUNT" "$K8S_MOUNT"; do
  case "$name" in
    '' | *[!a-zA-Z0-9_-]*) fail "'$name' is not a valid name (letters, digits, '-' and '_' only)" ;;
  esac
done
command -v vault >/dev/null 2>&1 || fail "the vault CLI is not on PATH"
vault policy read "$POLICY" >/dev/null 2>&1 || fail "policy $POLICY does not exist: run vault/init.sh first (or set POLICY)"

# Repository paths, refs, audiences and names go into JSON and arguments unescaped: allow only safe ones.
for value in "${GITHUB_REPOSITORY:-}" "$GITHUB_REF" "$GITHUB_AUDIENCE" "${GITLAB_PROJECT_PATH:-}" "$GITLAB_REF" \
  "$GITLAB_AUDIENCE" "${K8S_NAMESPACE:-}" "${K8S_SERVICE_ACCOUNT:-}" "${K8S_AUDIENCE:-}"; do
  case "$value" in
    *[!a-zA-Z0-9_./:*-]*) fail "'$value' contains characters this script does not put into JSON" ;;
  esac
done

# The whole role as one JSON document on stdin, because bound_claims is a map.
write_jwt_role() { # mount audience user_claim bound_claims_json
  printf '{"role_type":"jwt","bound_audiences":["%s"],"bound_claims":%s,"user_claim":"%s","token_policies":["%s"],"token_no_default_policy":true,"token_ttl":"%s","token_max_ttl":"%s"}' \
    "$2" "$4" "$3" "$POLICY" "$TOKEN_TTL" "$TOKEN_MAX_TTL" |
    vault write "auth/$1/role/$CI_ROLE" - >/dev/null
}

enable_auth() { # mount type
  if vault auth list | grep -q "^$1/ "; then
    say "$2 auth already enabled at $1/"
  else
    vault auth enable -path="$1" "$2" >/dev/null
    say "enabled $2 auth at $1/"
  fi
}

# --- GitHub Actions: the job's OIDC token (permissions: id-token: write) --------------------------
# bound_claims pins the repository and the branch: a fork's or another branch's job gets nothing.
# The audience is what vault-exec asks GitHub for (--jwt-audience, default sigstore, as vault-action).
if [ -n "${GITHUB_REPOSITORY:-}" ]; then
  enable_auth "$GITHUB_MOUNT" jwt
  vault write "auth/$GITHUB_MOUNT/config" \
    oidc_discovery_url="$GITHUB_OIDC_URL" bound_issuer="$GITHUB_OIDC_URL" >/dev/null
  write_jwt_role "$GITHUB_MOUNT" "$GITHUB_AUDIENCE" repository \
    "{\"repository\":\"$GITHUB_REPOSITORY\",\"ref\":\"$GITHUB_REF\"}"
  say "role $CI_ROLE at auth/$GITHUB_MOUNT: $GITHUB_REPOSITORY on $GITHUB_REF, audience $GITHUB_AUDIENCE"
fi

# --- GitLab CI: an id_tokens: JWT whose aud is this Vault ---------------------------------------
if [ -n "${GITLAB_PROJECT_PATH:-}" ]; then
  enable_auth "$GITLAB_MOUNT" jwt
  vault write "auth/$GITLAB_MOUNT/config" \
    oidc_discovery_url="$GITLAB_URL" bound_issuer="$GITLAB_URL" >/dev/null
  write_jwt_role "$GITLAB_MOUNT" "$GITLAB_AUDIENCE" user_login \
    "{\"project_path\":\"$GITLAB_PROJECT_PATH\",\"ref\":\"$GITLAB_REF\",\"ref_type\":\"branch\"}"
  say "role $CI_ROLE at auth/$GITLAB_MOUNT: $GITLAB_PROJECT_PATH on $GITLAB_REF, audience $GITLAB_AUDIENCE"
fi

# --- Kubernetes: the pod's service account ------------------------------------------------------
# Vault checks each login with the cluster's TokenReview API. Outside the cluster, give it a
# reviewer token (K8S_REVIEWER_JWT_FILE); without one, Vault uses each pod's own token, which then
# needs the system:auth-delegator ClusterRole.
if [ -n "${K8S_NAMESPACE:-}" ] || [ -n "${K8S_SERVICE_ACCOUNT:-}" ]; then
  : "${K8S_NAMESPACE:?set K8S_NAMESPACE with K8S_SERVICE_ACCOUNT}"
  : "${K8S_SERVICE_ACCOUNT:?set K8S_SERVICE_ACCOUNT with K8S_NAMESPACE}"
  enable_auth "$K8S_MOUNT" kubernetes
  set -- kubernetes_host="$K8S_HOST"
  if [ -n "${K8S_CA_CERT:-}" ]; then set -- "$@" kubernetes_ca_cert=@"$K8S_CA_CERT"; fi
  if [ -n "${K8S_REVIEWER_JWT_FILE:-}" ]; then set -- "$@" token_reviewer_jwt=@"$K8S_REVIEWER_JWT_FILE"; fi
  vault write "auth/$K8S_MOUNT/config" "$@" >/dev/null
  set -- bound_service_account_names="$K8S_SERVICE_ACCOUNT" \
    bound_service_account_namespaces="$K8S_NAMESPACE" \
    token_policies="$POLICY" token_no_default_policy=true \
    token_ttl="$TOKEN_TTL" token_max_ttl="$TOKEN_MAX_TTL"
  if [ -n "${K8S_AUDIENCE:-}" ]; then set -- "$@" audience="$K8S_AUDIENCE"; fi
  vault write "auth/$K8S_MOUNT/role/$CI_ROLE" "$@" >/dev/null
  say "role $CI_ROLE at auth/$K8S_MOUNT: service account $K8S_NAMESPACE/$K8S_SERVICE_ACCOUNT"
fi

say "done"
