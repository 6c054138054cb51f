#!/bin/sh
# Prepares Vault for one project/environment and hands its app the AppRole credentials, idempotently:
# run it again (every `docker compose up`, every deploy) and it converges without breaking anything.
#
#   1. enable AppRole at $APPROLE_MOUNT and KV v2 at secret/ if they are absent
#   2. write the policies from vault/policies/ ($ROLE for the app, $PROJECT-admin for migration/CI)
#   3. create or update the role: short token TTLs, reusable secret_id (vault-exec logs in again with
#      the same secret_id when its token reaches token_max_ttl)
#   4. write role-id and secret-id (or secret-id.wrapped) to $OUT_DIR, mode 600
#   5. optionally seed random demo secrets (dev only), never overwriting existing ones
#
# POSIX sh and the `vault` CLI only, so it runs unchanged in the official vault image (compose's
# vault-init service). Needs an operator token: mounts, auth methods and policies are privileged.
#
# Environment (defaults in brackets):
#   VAULT_ADDR, VAULT_TOKEN   required; VAULT_TOKEN is a root/operator token, never the app's
#   OUT_DIR                   required; where role-id and secret-id are written (a shared volume)
#   PROJECT [saas-project]    APP_ENV [dev]    ROLE [$PROJECT-$APP_ENV]    APPROLE_MOUNT [approle]
#   TOKEN_TTL [15m]  TOKEN_MAX_TTL [1h]  SECRET_ID_TTL [0: never expires; set one in production]
#   WRAP_TTL                  if set (e.g. 5m): write a response-wrapped secret_id to secret-id.wrapped
#                             instead of a plain secret-id; the app's side must unwrap it (vault/README.md)
#   NEW_SECRET_ID [false]     issue a new secret_id even if the one in $OUT_DIR still works
#   APP_UID, APP_GID          chown the files to the app's user (the app may not run as root)
#   SEED_DEMO_SECRETS [false] write random demo values for the examples where nothing exists yet
#   POLICY_DIR [dir of this script/policies]
set -eu

: "${VAULT_ADDR:?set VAULT_ADDR to the Vault server}"
: "${VAULT_TOKEN:?set VAULT_TOKEN to an operator token (the dev root token in compose)}"
: "${OUT_DIR:?set OUT_DIR to the directory the app reads role-id and secret-id from}"
PROJECT="${PROJECT:-saas-project}"
APP_ENV="${APP_ENV:-dev}"
ROLE="${ROLE:-$PROJECT-$APP_ENV}"
APPROLE_MOUNT="${APPROLE_MOUNT:-approle}"
TOKEN_TTL="${TOKEN_TTL:-15m}"
TOKEN_MAX_TTL="${TOKEN_MAX_TTL:-1h}"
SECRET_ID_TTL="${SECRET_ID_TTL:-0}"
WRAP_TTL="${WRAP_TTL:-}"
NEW_SECRET_ID="${NEW_SECRET_ID:-false}"
SEED_DEMO_SECRETS="${SEED_DEMO_SECRETS:-false}"
POLICY_DIR="${POLICY_DIR:-$(dirname "$0")/policies}"
export VAULT_ADDR VAULT_TOKEN

say() { echo "vault-init: $*" >&2; }
fail() { say "error: $*"; exit 1; }

# The names go into sed, HCL paths and API paths unquoted: allow only what is safe in all three.
for name in "$PROJECT" "$APP_ENV" "$ROLE" "$APPROLE_MOUNT"; do
  case "$name" in
    '' | *[!a-zA-Z0-9_-]*) fail "'$name' is not a valid name (letters, digits, '-' and '_' only)" ;;
  esac
done
command -v vault >/dev/null 2>&1 || fail "the vault CLI is not on PATH"

# --- 1. auth method and secrets engine ----------------------------------------------------------
if vault auth list | grep -q "^$APPROLE_MOUNT/ "; then
  say "AppRole already enabled at $APPROLE_MOUNT/"
else
  vault auth enable -path="$APPROLE_MOUNT" approle >/dev/null
  say "enabled AppRole at $APPROLE_MOUNT/"
fi

# The dev server mounts KV v2 at secret/ itself; a production server starts with nothing.
if kv_options="$(vault read -field=options sys/mounts/secret 2>/dev/null)"; then
  case "$kv_options" in
    *version:2*) say "KV v2 already mounted at secret/" ;;
    # Upgrading a KV v1 mount in place rewrites its storage; that is an operator's decision, not ours.
    *) fail "secret/ is mounted but is not KV v2 (options: $kv_options); upgrade it with 'vault kv enable-versioning secret/' deliberately" ;;
  esac
else
  vault secrets enable -path=secret -version=2 kv >/dev/null
  say "enabled KV v2 at secret/"
fi

# --- 2. policies --------------------------------------------------------------------------------
write_policy() { # name file
  sed -e "s/@PROJECT@/$PROJECT/g" -e "s/@ENV@/$APP_ENV/g" "$2" | vault policy write "$1" - >/dev/null
  say "wrote policy $1 (from $(basename "$2"))"
}
write_policy "$ROLE" "$POLICY_DIR/app.hcl"
write_policy "$PROJECT-admin" "$POLICY_DIR/admin.hcl"

# --- 3. the role --------------------------------------------------------------------------------
# Writing a role updates it in place (role_id and issued secret_ids survive), so this is idempotent.
# token_no_default_policy: the app's token can do exactly what app.hcl lists, no cubbyhole etc.
# secret_id_num_uses=0: vault-exec logs in again with the same secret_id when the token reaches
# token_max_ttl; a single-use secret_id would make that re-login fail (exit 75).
vault write "auth/$APPROLE_MOUNT/role/$ROLE" \
  token_policies="$ROLE" \
  token_no_default_policy=true \
  token_type=service \
  token_ttl="$TOKEN_TTL" \
  token_max_ttl="$TOKEN_MAX_TTL" \
  secret_id_num_uses=0 \
  secret_id_ttl="$SECRET_ID_TTL" >/dev/null
say "role $ROLE: token_ttl=$TOKEN_TTL token_max_ttl=$TOKEN_MAX_TTL secret_id_ttl=$SECRET_ID_TTL"

# --- 4. credentials for the app -----------------------------------------------------------------
# Files are created 600 and moved into place whole, so an app starting at the same moment never
# reads half a secret_id. Values go from the CLI's stdout straight to a file, never to our output.
umask 077
mkdir -p "$OUT_DIR"
install_file() { # name: moves $OUT_DIR/.name.tmp to $OUT_DIR/name
  if [ -n "${APP_UID:-}" ]; then chown "$APP_UID:${APP_GID:-$APP_UID}" "$OUT_DIR/.$1.tmp"; fi
  chmod 600 "$OUT_DIR/.$1.tmp"
  mv -f "$OUT_DIR/.$1.tmp" "$OUT_DIR/$1"
}

vault read -field=role_id "auth/$APPROLE_MOUNT/role/$ROLE/role-id" >"$OUT_DIR/.role-id.tmp"
install_file role-id
say "wrote $OUT_DIR/role-id"

# A secret_id still known to Vault is kept, so re-running init does not pile up secret_ids or
# invalidate a running app's credentials. A dev server restart forgets it, and a new one is issued.
# `secret_id=@file` makes the CLI read the value from the file, so it never appears in a command line.
# An unknown secret_id gets 204 and empty output (exit 0), so "valid" means an accessor came back.
secret_id_still_valid() {
  [ -s "$OUT_DIR/secret-id" ] || return 1
  accessor="$(vault write -field=secret_id_accessor "auth/$APPROLE_MOUNT/role/$ROLE/secret-id/lookup" \
    secret_id=@"$OUT_DIR/secret-id" 2>/dev/null)" || return 1
  [ -n "$accessor" ]
}

if [ -n "$WRAP_TTL" ]; then
  # The wrapping token is single-use and expires after WRAP_TTL: whoever unwraps it first gets the
  # secret_id, and a failed unwrap on the app's side means someone else did (see vault/README.md).
  vault write -f -wrap-ttl="$WRAP_TTL" -field=wrapping_token "auth/$APPROLE_MOUNT/role/$ROLE/secret-id" \
    >"$OUT_DIR/.secret-id.wrapped.tmp"
  install_file secret-id.wrapped
  rm -f "$OUT_DIR/secret-id"
  say "wrote $OUT_DIR/secret-id.wrapped (response-wrapped, expires in $WRAP_TTL)"
elif [ "$NEW_SECRET_ID" != true ] && secret_id_still_valid; then
  say "kept $OUT_DIR/secret-id (still valid)"
else
  vault write -f -field=secret_id "auth/$APPROLE_MOUNT/role/$ROLE/secret-id" >"$OUT_DIR/.secret-id.tmp"
  install_file secret-id
  say "wrote $OUT_DIR/secret-id (new secret_id)"
fi

# --- 5. demo secrets (dev only) -----------------------------------------------------------------
# Random values for the examples, so `docker compose up` works with no .env at all. Real values
# arrive through vault/migrate.mjs. -cas=0 means "only if absent": a migrated value is never replaced.
random_value() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
seed() { # path json: writes secret/<project>/<env>/<path> unless it exists
  target="$PROJECT/$APP_ENV/$1"
  if vault kv metadata get -mount=secret "$target" >/dev/null 2>&1; then
    say "secret/$target exists; not seeding it"
  else
    # The JSON goes through stdin (printf is a shell builtin), so no value is on a command line.
    printf '%s' "$2" | vault kv put -mount=secret -cas=0 "$target" - >/dev/null
    say "seeded secret/$target with random demo values"
  fi
}
if [ "$SEED_DEMO_SECRETS" = true ]; then
  seed database "{\"username\":\"saas_app\",\"password\":\"$(random_value)\"}"
  seed jwt "{\"secret\":\"$(random_value)\"}"
  seed flask "{\"secret_key\":\"$(random_value)\"}"
  seed storage "{\"access_key\":\"saas-app\",\"secret_key\":\"$(random_value)\"}"
fi

say "done: project=$PROJECT env=$APP_ENV role=$ROLE"
