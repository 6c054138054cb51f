#!/bin/sh
# Prepares Vault for one project/environment and hands its app the AppRole credentials, idempotently:
# run it again (every `docker compose up`, every deploy) and it converges without breaking anything.
#
#   1. enable AppRole at $APPROLE_MOUNT and KV v2 at secret/ if they are absent
#   2. with DB_CONNECTION_URL: Vault's database engine, so that the app gets a PostgreSQL user of its
#      own per start (database/creds/$ROLE), dropped when vault-exec's lease ends (vault/README.md)
#   3. write the policies from vault/policies/ ($ROLE for the app, $PROJECT-admin for migration/CI)
#   4. create or update the role: short token TTLs, reusable secret_id (vault-exec logs in again with
#      the same secret_id when its token reaches token_max_ttl)
#   5. write role-id and secret-id (or secret-id.wrapped) to $OUT_DIR, mode 600
#   6. optionally seed random demo secrets (dev only), never overwriting existing ones
# With DEV_KEYS_DIR (dev only), step 0 initialises and unseals a fresh Vault first.
#
# POSIX sh and the `vault` CLI only, so it runs unchanged in the official vault image (compose's
# vault-init service). Needs an operator token: mounts, auth methods and policies are privileged.
#
# Environment (defaults in brackets):
#   VAULT_ADDR, VAULT_TOKEN   required; VAULT_TOKEN is a root/operator token, never the app's
#   DEV_KEYS_DIR              dev/demo only (compose): a fresh Vault is initialised here with one
#                             key share, and its unseal key and root token are kept in this directory
#                             (mode 600) for vault/server.sh, which unseals Vault after a restart;
#                             a sealed Vault is unsealed with it; VAULT_TOKEN defaults to the root
#                             token found there. Never in production (vault/README.md)
#   OUT_DIR                   required; where role-id and secret-id are written (a shared volume)
#   PROJECT [saas-project]    APP_ENV [dev]    ROLE [$PROJECT-$APP_ENV]    APPROLE_MOUNT [approle]
#   TOKEN_TTL [15m]  TOKEN_MAX_TTL [1h]  SECRET_ID_TTL [0: never expires; set one in production]
#   WRAP_TTL                  if set (e.g. 5m): write a response-wrapped secret_id to secret-id.wrapped
#                             instead of a plain secret-id; the app's side must unwrap it (vault/README.md)
#   NEW_SECRET_ID [false]     issue a new secret_id even if the one in $OUT_DIR still works
#   APP_UID, APP_GID          chown the files to the app's user (the app may not run as root)
#   SEED_DEMO_SECRETS [false] write random demo values for the examples where nothing exists yet
#   POLICY_DIR [dir of this script/policies]
#
# The database engine (only when DB_CONNECTION_URL is set; without it nothing below is touched):
#   DB_CONNECTION_URL         postgresql://{{username}}:{{password}}@HOST:5432/DBNAME?sslmode=...; Vault
#                             fills in the placeholders with the admin credentials it holds
#   DB_ADMIN_USERNAME         the PostgreSQL role Vault administers users with (a dedicated one with
#                             CREATEROLE in production, see vault/README.md)
#   DB_ADMIN_PASSWORD or DB_ADMIN_PASSWORD_FILE
#                             its current password; needed the first time only: once Vault holds
#                             the connection, its own (rotated) copy is used when this one fails
#   DB_ROTATE_ROOT [true]     rotate the admin password (database/rotate-root) as soon as the one
#                             given here works, so that only Vault knows it. Dev compose sets false:
#                             Vault's and the database's data live in different volumes, and a
#                             Vault started afresh while the database keeps a rotated password
#                             would be locked out
#   DB_MOUNT [database]       DB_CONNECTION_NAME [$ROLE]
#   DB_DEFAULT_TTL [1h]       DB_MAX_TTL [24h]: a dynamic user's lease; vault-exec renews it and
#                             restarts the app with a new user before the max TTL
set -eu

: "${VAULT_ADDR:?set VAULT_ADDR to the Vault server}"
DEV_KEYS_DIR="${DEV_KEYS_DIR:-}"
[ -n "$DEV_KEYS_DIR" ] || : "${VAULT_TOKEN:?set VAULT_TOKEN to an operator token}"
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
DB_CONNECTION_URL="${DB_CONNECTION_URL:-}"
DB_MOUNT="${DB_MOUNT:-database}"
DB_CONNECTION_NAME="${DB_CONNECTION_NAME:-$ROLE}"
DB_ROTATE_ROOT="${DB_ROTATE_ROOT:-true}"
DB_DEFAULT_TTL="${DB_DEFAULT_TTL:-1h}"
DB_MAX_TTL="${DB_MAX_TTL:-24h}"
export VAULT_ADDR

say() { echo "vault-init: $*" >&2; }
fail() { say "error: $*"; exit 1; }

# The names go into sed, HCL paths and API paths unquoted: allow only what is safe in all three.
for name in "$PROJECT" "$APP_ENV" "$ROLE" "$APPROLE_MOUNT" "$DB_MOUNT" "$DB_CONNECTION_NAME"; do
  case "$name" in
    '' | *[!a-zA-Z0-9_-]*) fail "'$name' is not a valid name (letters, digits, '-' and '_' only)" ;;
  esac
done
command -v vault >/dev/null 2>&1 || fail "the vault CLI is not on PATH"

# --- 0. dev only: initialise and unseal (DEV_KEYS_DIR) ------------------------------------------
# One key share, kept beside the server: a demo that survives restarts, not a seal. The CLI's
# answers go to files, never to our output; the key reaches Vault through @file, never argv.
vault_status() { vault status -format=json 2>/dev/null || true; } # exits 2 while sealed
initialise_dev_vault() {
  umask 077
  mkdir -p "$DEV_KEYS_DIR"
  status="$(vault_status)"
  [ -n "$status" ] || fail "Vault at $VAULT_ADDR does not answer"
  if printf '%s' "$status" | grep -q '"initialized": false'; then
    vault operator init -key-shares=1 -key-threshold=1 >"$DEV_KEYS_DIR/.init.tmp" \
      || fail "vault operator init failed (see above)"
    sed -n 's/^Unseal Key 1: //p' "$DEV_KEYS_DIR/.init.tmp" >"$DEV_KEYS_DIR/.unseal-key.tmp"
    sed -n 's/^Initial Root Token: //p' "$DEV_KEYS_DIR/.init.tmp" >"$DEV_KEYS_DIR/.root-token.tmp"
    rm -f "$DEV_KEYS_DIR/.init.tmp"
    [ -s "$DEV_KEYS_DIR/.unseal-key.tmp" ] && [ -s "$DEV_KEYS_DIR/.root-token.tmp" ] \
      || fail "vault operator init gave no unseal key or root token; remove Vault's data volume and start again"
    mv -f "$DEV_KEYS_DIR/.unseal-key.tmp" "$DEV_KEYS_DIR/unseal-key"
    mv -f "$DEV_KEYS_DIR/.root-token.tmp" "$DEV_KEYS_DIR/root-token"
    say "initialised Vault with one key share; its unseal key and root token are in $DEV_KEYS_DIR (dev only)"
    status="$(vault_status)"
  fi
  if printf '%s' "$status" | grep -q '"sealed": true'; then
    [ -s "$DEV_KEYS_DIR/unseal-key" ] \
      || fail "Vault is sealed and $DEV_KEYS_DIR/unseal-key is missing; unseal it with 'vault operator unseal'"
    vault write -format=json sys/unseal key=@"$DEV_KEYS_DIR/unseal-key" 2>&1 | grep -q '"sealed": false' \
      || fail "unsealing Vault with $DEV_KEYS_DIR/unseal-key failed; was its data volume replaced?"
    say "unsealed Vault with the key in $DEV_KEYS_DIR"
  fi
  if [ -z "${VAULT_TOKEN:-}" ]; then
    [ -s "$DEV_KEYS_DIR/root-token" ] || fail "no VAULT_TOKEN, and no root token in $DEV_KEYS_DIR"
    VAULT_TOKEN="$(cat "$DEV_KEYS_DIR/root-token")"
  fi
}
if [ -n "$DEV_KEYS_DIR" ]; then
  initialise_dev_vault
fi
export VAULT_TOKEN

# --- 1. auth method and secrets engine ----------------------------------------------------------
if vault auth list | grep -q "^$APPROLE_MOUNT/ "; then
  say "AppRole already enabled at $APPROLE_MOUNT/"
else
  vault auth enable -path="$APPROLE_MOUNT" approle >/dev/null
  say "enabled AppRole at $APPROLE_MOUNT/"
fi

# Vault's -dev server mounts KV v2 at secret/ itself; any other server starts with nothing.
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

# --- 2. database engine (only with DB_CONNECTION_URL) -------------------------------------------
# Each read of $DB_MOUNT/creds/$ROLE creates a PostgreSQL user for that one app instance; its lease
# ends with vault-exec's token (or at DB_MAX_TTL), and Vault then runs the revocation statements.
# The statements live here, not in files, so the script stays one file in the vault image.
# Least privilege: data access in schema public and nothing else (no CREATE, no DDL, no role rights).
# The admin is made a member of each user so that a non-superuser admin may REASSIGN/DROP OWNED it.
DB_CREATION_STATEMENTS="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
GRANT \"{{name}}\" TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO \"{{name}}\";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{{name}}\";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \"{{name}}\";"
# Really gone: whatever it owns goes to the admin, its grants go, then the role. One DO block (Vault
# runs a statement with \$\$ whole), and a no-op when someone dropped the user already, so a revocation
# can never get stuck retrying.
DB_REVOCATION_STATEMENTS="DO \$\$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{name}}') THEN REASSIGN OWNED BY \"{{name}}\" TO CURRENT_USER; DROP OWNED BY \"{{name}}\"; DROP ROLE \"{{name}}\"; END IF; END \$\$;"

db_admin_password() { # prints it without a trailing newline; never on a command line (printf is a builtin)
  if [ -n "${DB_ADMIN_PASSWORD_FILE:-}" ]; then
    # $(...) drops the trailing newline that `echo >file` and most secret files end with.
    password="$(cat "$DB_ADMIN_PASSWORD_FILE")"
    printf '%s' "$password"
  else
    printf '%s' "${DB_ADMIN_PASSWORD:-}"
  fi
}
db_has_admin_password() { [ -n "${DB_ADMIN_PASSWORD_FILE:-}" ] || [ -n "${DB_ADMIN_PASSWORD:-}" ]; }

write_db_connection() { # [with-admin]: verify_connection makes Vault log in first; a failed write changes nothing
  if [ "${1:-}" = with-admin ]; then
    db_admin_password | vault write "$DB_MOUNT/config/$DB_CONNECTION_NAME" \
      plugin_name=postgresql-database-plugin connection_url="$DB_CONNECTION_URL" \
      allowed_roles="$ROLE" verify_connection=true username="$DB_ADMIN_USERNAME" password=- >/dev/null
  else
    vault write "$DB_MOUNT/config/$DB_CONNECTION_NAME" \
      plugin_name=postgresql-database-plugin connection_url="$DB_CONNECTION_URL" \
      allowed_roles="$ROLE" verify_connection=true >/dev/null
  fi
}

configure_database() {
  if db_type="$(vault read -field=type "sys/mounts/$DB_MOUNT" 2>/dev/null)"; then
    [ "$db_type" = database ] || fail "$DB_MOUNT/ is mounted but is a $db_type engine, not database"
    say "database engine already enabled at $DB_MOUNT/"
  else
    vault secrets enable -path="$DB_MOUNT" database >/dev/null
    say "enabled the database engine at $DB_MOUNT/"
  fi

  # The admin password given here is tried first: if it still logs in, it is known outside Vault
  # (compose, a deploy variable) and is rotated away below. If it fails, it was rotated by an
  # earlier run, and Vault's own copy must still work (rewritten without credentials, it is kept).
  connection="$DB_MOUNT/config/$DB_CONNECTION_NAME"
  if [ -n "${DB_ADMIN_PASSWORD_FILE:-}" ] && ! [ -r "$DB_ADMIN_PASSWORD_FILE" ]; then
    fail "cannot read DB_ADMIN_PASSWORD_FILE=$DB_ADMIN_PASSWORD_FILE"
  fi
  given_works=false
  error=""
  if db_has_admin_password; then
    : "${DB_ADMIN_USERNAME:?set DB_ADMIN_USERNAME to the PostgreSQL role Vault administers users with}"
    if error="$(write_db_connection with-admin 2>&1)"; then given_works=true; fi
  fi
  if [ "$given_works" = true ]; then
    say "connection $connection: Vault logged in as $DB_ADMIN_USERNAME with the password given"
  elif vault read "$connection" >/dev/null 2>&1; then
    write_db_connection || fail "Vault can no longer log in to the database of $connection with the admin credentials it holds; reset the admin's password in PostgreSQL and pass it in DB_ADMIN_PASSWORD(_FILE)"
    say "connection $connection: kept the admin credentials Vault holds${error:+ (the password given does not log in, as after a rotation)}"
  elif db_has_admin_password; then
    # The CLI's answer spans lines; its "* reason" line is the one that says what went wrong.
    reason="$(printf '%s\n' "$error" | sed -n 's/^\* //p' | head -n 1)"
    fail "Vault could not log in to the database as $DB_ADMIN_USERNAME (${reason:-$error}); check DB_CONNECTION_URL, DB_ADMIN_USERNAME and the admin password"
  else
    fail "DB_CONNECTION_URL is set but $connection does not exist yet: set DB_ADMIN_USERNAME and DB_ADMIN_PASSWORD (or DB_ADMIN_PASSWORD_FILE) for the first run"
  fi

  if [ "$given_works" = true ] && [ "$DB_ROTATE_ROOT" = true ]; then
    vault write -f "$DB_MOUNT/rotate-root/$DB_CONNECTION_NAME" >/dev/null
    say "rotated the password of $DB_ADMIN_USERNAME: only Vault knows it now (DB_ROTATE_ROOT=true)"
  elif [ "$given_works" = true ]; then
    say "warning: the admin password is not rotated (DB_ROTATE_ROOT=$DB_ROTATE_ROOT); acceptable for dev only"
  fi

  # Rewriting the role changes what new users get; users already handed out keep their grants.
  vault write "$DB_MOUNT/roles/$ROLE" \
    db_name="$DB_CONNECTION_NAME" \
    creation_statements="$DB_CREATION_STATEMENTS" \
    revocation_statements="$DB_REVOCATION_STATEMENTS" \
    default_ttl="$DB_DEFAULT_TTL" \
    max_ttl="$DB_MAX_TTL" >/dev/null
  say "database role $ROLE: $DB_MOUNT/creds/$ROLE, default_ttl=$DB_DEFAULT_TTL max_ttl=$DB_MAX_TTL"
}

# A role written by an earlier run stays granted, so a run without the DB settings (a deploy job
# that only issues a secret_id) cannot silently take the database away from a running app.
database_role_exists() { vault read "$DB_MOUNT/roles/$ROLE" >/dev/null 2>&1; }

if [ -n "$DB_CONNECTION_URL" ]; then
  configure_database
fi

# --- 3. policies --------------------------------------------------------------------------------
write_policy() { # name file...: the files are joined into one policy
  name="$1"
  shift
  cat "$@" | sed -e "s/@PROJECT@/$PROJECT/g" -e "s/@ENV@/$APP_ENV/g" -e "s/@ROLE@/$ROLE/g" \
    -e "s/@DB_MOUNT@/$DB_MOUNT/g" | vault policy write "$name" - >/dev/null
  sources=""
  for file in "$@"; do sources="$sources${sources:+ + }$(basename "$file")"; done
  say "wrote policy $name (from $sources)"
}
if [ -n "$DB_CONNECTION_URL" ] || database_role_exists; then
  write_policy "$ROLE" "$POLICY_DIR/app.hcl" "$POLICY_DIR/app-database.hcl"
else
  write_policy "$ROLE" "$POLICY_DIR/app.hcl"
fi
write_policy "$PROJECT-admin" "$POLICY_DIR/admin.hcl"

# --- 4. the role --------------------------------------------------------------------------------
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

# --- 5. credentials for the app -----------------------------------------------------------------
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
# invalidate a running app's credentials. A Vault started afresh (-dev after a restart, or new
# storage) no longer knows it, and a new one is issued.
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

# --- 6. demo secrets (dev only) -----------------------------------------------------------------
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
