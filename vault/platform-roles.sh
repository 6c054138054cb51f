#!/bin/sh
# Lets apps log in to Vault with the identity their platform already gives them, so no Vault
# credential is stored anywhere: vault-exec --auth aws (an ECS task role, an EKS pod's IAM role
# through IRSA, an EC2 instance profile) or --auth cert (a machine's TLS client certificate).
# Idempotent, like init.sh: run it again and it converges.
#
# Each part runs only when its settings are given; the roles get the app policy init.sh wrote
# ($POLICY) and bindings that name exactly the IAM principals or the CA given.
#
#   AWS IAM   AWS_BOUND_ARNS=arn:aws:iam::123456789012:role/checkout-task[,more]
#             [AWS_MOUNT=aws] [AWS_HEADER_VALUE=vault.example.com] [AWS_STS_REGION=eu-west-1]
#             [AWS_STS_ENDPOINT=https://sts.<region>.amazonaws.com] [AWS_RESOLVE_UNIQUE_IDS=true]
#             [AWS_IAM_ENDPOINT=https://iam.amazonaws.com]
#   cert      CERT_CA_FILE=ca.pem [CERT_ALLOWED_COMMON_NAMES=web-*.example.com] [CERT_MOUNT=cert]
#
# Common: VAULT_ADDR, VAULT_TOKEN (an operator token) required; PROJECT [saas-project]
# APP_ENV [dev]; POLICY [$PROJECT-$APP_ENV, from init.sh]; ROLE [$PROJECT-$APP_ENV];
# TOKEN_TTL [15m]; TOKEN_MAX_TTL [1h]. See vault/README.md, "AWS and certificate logins".
set -eu

: "${VAULT_ADDR:?set VAULT_ADDR to the Vault server}"
: "${VAULT_TOKEN:?set VAULT_TOKEN to an operator token}"
PROJECT="${PROJECT:-saas-project}"
APP_ENV="${APP_ENV:-dev}"
POLICY="${POLICY:-$PROJECT-$APP_ENV}"
ROLE="${ROLE:-$PROJECT-$APP_ENV}"
TOKEN_TTL="${TOKEN_TTL:-15m}"
TOKEN_MAX_TTL="${TOKEN_MAX_TTL:-1h}"
AWS_MOUNT="${AWS_MOUNT:-aws}"
AWS_RESOLVE_UNIQUE_IDS="${AWS_RESOLVE_UNIQUE_IDS:-true}"
CERT_MOUNT="${CERT_MOUNT:-cert}"
export VAULT_ADDR VAULT_TOKEN

say() { echo "vault-platform-roles: $*" >&2; }
fail() { say "error: $*"; exit 1; }

for name in "$POLICY" "$ROLE" "$AWS_MOUNT" "$CERT_MOUNT"; do
  case "$name" in
    '' | *[!a-zA-Z0-9_-]*) fail "'$name' is not a valid name (letters, digits, '-' and '_' only)" ;;
  esac
done
# ARNs, regions, endpoints and names go into arguments unquoted by Vault: allow only safe ones.
for value in "${AWS_BOUND_ARNS:-}" "${AWS_HEADER_VALUE:-}" "${AWS_STS_REGION:-}" "${AWS_STS_ENDPOINT:-}" "${AWS_IAM_ENDPOINT:-}" \
  "${CERT_ALLOWED_COMMON_NAMES:-}"; do
  case "$value" in
    *[!a-zA-Z0-9_./:*,@=+-]*) fail "'$value' contains characters this script does not pass to Vault" ;;
  esac
done
case "$AWS_RESOLVE_UNIQUE_IDS" in true | false) ;; *) fail "AWS_RESOLVE_UNIQUE_IDS must be true or false" ;; esac
command -v vault >/dev/null 2>&1 || fail "the vault CLI is not on PATH"
vault policy read "$POLICY" >/dev/null 2>&1 || fail "policy $POLICY does not exist: run vault/init.sh first (or set POLICY)"

enable_auth() { # mount type
  if vault auth list | grep -q "^$1/ "; then
    say "$2 auth already enabled at $1/"
  else
    vault auth enable -path="$1" "$2" >/dev/null
    say "enabled $2 auth at $1/"
  fi
}

# --- AWS IAM: a signed sts:GetCallerIdentity, which Vault replays to STS -------------------------
# bound_iam_principal_arn names the IAM roles (or users) whose credentials may log in: an ECS task
# role, the role an EKS service account is annotated with, an EC2 instance profile's role. With
# AWS_RESOLVE_UNIQUE_IDS=true (Vault's default) Vault pins each ARN to the role's unique id, so a
# role deleted and created again under the same name is not trusted; that needs Vault's own AWS
# credentials with iam:GetRole (its environment's, an instance profile's, or access_key/secret_key in
# auth/<mount>/config/client, which this script does not write). The STS endpoint and region must be the ones vault-exec signs for
# (--aws-region, AWS_REGION); the header value binds a signed request to this Vault.
if [ -n "${AWS_BOUND_ARNS:-}" ]; then
  enable_auth "$AWS_MOUNT" aws
  set --
  if [ -n "${AWS_STS_REGION:-}" ]; then
    set -- sts_region="$AWS_STS_REGION" sts_endpoint="${AWS_STS_ENDPOINT:-https://sts.$AWS_STS_REGION.amazonaws.com}"
  elif [ -n "${AWS_STS_ENDPOINT:-}" ]; then
    set -- sts_endpoint="$AWS_STS_ENDPOINT"
  fi
  if [ -n "${AWS_HEADER_VALUE:-}" ]; then set -- "$@" iam_server_id_header_value="$AWS_HEADER_VALUE"; fi
  if [ -n "${AWS_IAM_ENDPOINT:-}" ]; then set -- "$@" iam_endpoint="$AWS_IAM_ENDPOINT"; fi
  if [ "$#" -gt 0 ]; then vault write "auth/$AWS_MOUNT/config/client" "$@" >/dev/null; fi
  vault write "auth/$AWS_MOUNT/role/$ROLE" auth_type=iam \
    bound_iam_principal_arn="$AWS_BOUND_ARNS" resolve_aws_unique_ids="$AWS_RESOLVE_UNIQUE_IDS" \
    token_policies="$POLICY" token_no_default_policy=true \
    token_ttl="$TOKEN_TTL" token_max_ttl="$TOKEN_MAX_TTL" >/dev/null
  say "role $ROLE at auth/$AWS_MOUNT: $AWS_BOUND_ARNS"
fi

# --- cert: the TLS client certificate, checked against the CA given ----------------------------
# Vault must see the certificate itself: a load balancer that ends TLS in front of Vault drops it.
if [ -n "${CERT_CA_FILE:-}" ]; then
  [ -r "$CERT_CA_FILE" ] || fail "cannot read CERT_CA_FILE $CERT_CA_FILE"
  enable_auth "$CERT_MOUNT" cert
  set -- certificate=@"$CERT_CA_FILE" token_policies="$POLICY" token_no_default_policy=true \
    token_ttl="$TOKEN_TTL" token_max_ttl="$TOKEN_MAX_TTL"
  if [ -n "${CERT_ALLOWED_COMMON_NAMES:-}" ]; then
    set -- "$@" allowed_common_names="$CERT_ALLOWED_COMMON_NAMES"
  fi
  vault write "auth/$CERT_MOUNT/certs/$ROLE" "$@" >/dev/null
  say "certificate role $ROLE at auth/$CERT_MOUNT: certificates signed by $CERT_CA_FILE"
fi

say "done"
