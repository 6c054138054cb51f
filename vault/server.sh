#!/bin/sh
# Dev/demo only: the compose stack's Vault server. Unlike `vault server -dev` (in memory, forgotten on
# every restart), it keeps its data on a volume and unseals itself after a restart, so the apps'
# tokens and leases survive `docker compose stop vault` / `start` and their renewal resumes.
#
#   - storage "file" in $VAULT_DATA_DIR (the vault-data volume), one node, no TLS, listening on
#     $VAULT_LISTEN_ADDRESS;
#   - on each start, once the server answers: if it is initialised and sealed, it is unsealed with
#     $DEV_KEYS_DIR/unseal-key, which vault/init.sh wrote when it initialised Vault at the first `up`
#     (one key share). Before that first run there is nothing to unseal, and vault-init does it.
#
# Keeping the unseal key next to the server defeats the seal: anyone with both volumes reads every
# secret. Vault 1.21's community edition has no seal that reads a key from a file, hence this
# script. Production unseals with a KMS or HSM (auto-unseal) or Shamir key holders (vault/README.md).
#
# Environment (defaults in brackets): VAULT_LISTEN_ADDRESS [0.0.0.0:8200]
#   VAULT_DATA_DIR [/vault/file]   DEV_KEYS_DIR [/vault/keys]
set -eu

VAULT_LISTEN_ADDRESS="${VAULT_LISTEN_ADDRESS:-0.0.0.0:8200}"
VAULT_DATA_DIR="${VAULT_DATA_DIR:-/vault/file}"
DEV_KEYS_DIR="${DEV_KEYS_DIR:-/vault/keys}"
VAULT_ADDR="http://127.0.0.1:${VAULT_LISTEN_ADDRESS##*:}"
export VAULT_ADDR

say() { echo "vault-server: $*" >&2; }

config="${TMPDIR:-/tmp}/vault-server.hcl"
mkdir -p "$VAULT_DATA_DIR"
cat >"$config" <<EOF
storage "file" {
  path = "$VAULT_DATA_DIR"
}
listener "tcp" {
  address     = "$VAULT_LISTEN_ADDRESS"
  tls_disable = true
}
# One node on a dev machine; mlock would need IPC_LOCK and matters only with swap.
disable_mlock = true
ui            = true
EOF

# `vault status` exits 0 when unsealed, 2 when sealed (or not initialised), 1 when it cannot answer.
unseal_once_up() {
  tries=0
  while :; do
    code=0
    vault status >/dev/null 2>&1 || code=$?
    [ "$code" -eq 0 ] && return 0
    [ "$code" -eq 2 ] && break
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || { say "the server did not answer within 60 s; not unsealing it"; return 1; }
    sleep 1
  done
  if ! vault status -format=json 2>/dev/null | grep -q '"initialized": true'; then
    say "not initialised yet: vault-init (vault/init.sh with DEV_KEYS_DIR) initialises and unseals it"
  elif [ -s "$DEV_KEYS_DIR/unseal-key" ]; then
    # The key goes from the file to the request body (@file), never onto a command line or the log.
    if vault write -format=json sys/unseal key=@"$DEV_KEYS_DIR/unseal-key" 2>&1 | grep -q '"sealed": false'; then
      say "unsealed with the key in $DEV_KEYS_DIR"
    else
      say "error: unsealing with the key in $DEV_KEYS_DIR failed; unseal it with 'vault operator unseal'"
    fi
  else
    say "sealed, and $DEV_KEYS_DIR/unseal-key is missing; unseal it with 'vault operator unseal'"
  fi
}

# The unsealer runs beside the server, which replaces this shell so that it gets the stop signal
# directly (compose's `init: true` reaps the unsealer when it is done).
unseal_once_up &
exec vault server -config="$config"
