# The project's secret administrator: a person or CI job running vault/migrate.mjs, rotating a
# secret, or issuing secret_ids at deploy time. It is not enough to run vault/init.sh (that needs
# mounts, auth methods and policies: a root or operator token), and it cannot read other projects.
# vault/init.sh replaces @PROJECT@ before writing it.

# Write and read the project's secrets in every environment. `create` alone would suffice for a
# first migration; `update` is what `migrate.mjs --force` and rotations need.
path "secret/data/@PROJECT@/*" {
  capabilities = ["create", "read", "update", "delete"]
}

# Metadata: the migration checks whether a target exists without reading its value, and
# `vault kv rollback` / `vault kv undelete` (the rollback procedure) go through these paths.
path "secret/metadata/@PROJECT@/*" {
  capabilities = ["read", "list"]
}
path "secret/undelete/@PROJECT@/*" {
  capabilities = ["update"]
}

# Deliver credentials to the project's apps: read a role_id, issue (optionally wrapped) secret_ids.
path "auth/approle/role/@PROJECT@-*/role-id" {
  capabilities = ["read"]
}
path "auth/approle/role/@PROJECT@-*/secret-id" {
  capabilities = ["update"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
