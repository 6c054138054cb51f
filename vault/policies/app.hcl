# The application's policy: read-only on its own project/environment, nothing else.
# vault/init.sh replaces @PROJECT@ and @ENV@ (for example saas-project and dev) before writing it.
# The role sets token_no_default_policy, so everything the token may do is listed here.

# KV v2 keeps values under data/; `read` here is what `vault kv get secret/@PROJECT@/@ENV@/x` needs.
# No create/update/delete/list: a compromised app can neither change nor enumerate secrets.
path "secret/data/@PROJECT@/@ENV@/*" {
  capabilities = ["read"]
}

# vault-exec renews its token at about two thirds of the TTL and revokes it on exit.
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Leases of dynamic secrets (renewal, and revocation of superseded ones) are granted by
# app-database.hcl, pinned to the app's own database role, only where init.sh sets the engine up.
