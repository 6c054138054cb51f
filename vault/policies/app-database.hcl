# What the app's token may do with its database user, appended to the app's policy by vault/init.sh
# when it configures the database engine (DB_CONNECTION_URL). init.sh replaces @DB_MOUNT@ and @ROLE@.

# Each read creates one PostgreSQL user for the reading app instance: a `${vault:...}` reference in
# DATABASE_URL reads it once, however many parts of the URL use it.
path "@DB_MOUNT@/creds/@ROLE@" {
  capabilities = ["read"]
}

# vault-exec renews the user's lease while the app runs, and revokes a lease it no longer needs (the
# user of a replaced generation) at once instead of leaving it alive until its TTL. These endpoints
# take any lease_id in the body, so the parameter is pinned to this role's leases: the token cannot
# renew or revoke another app's users even if it learns their lease ids.
path "sys/leases/renew" {
  capabilities = ["update"]
  allowed_parameters = {
    "lease_id"  = ["@DB_MOUNT@/creds/@ROLE@/*"]
    "increment" = []
  }
}
path "sys/leases/revoke" {
  capabilities = ["update"]
  allowed_parameters = {
    "lease_id" = ["@DB_MOUNT@/creds/@ROLE@/*"]
    "sync"     = []
  }
}
