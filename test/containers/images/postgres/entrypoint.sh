#!/bin/sh
# The stand-in's entrypoint (see Containerfile), written for the tests after the official image's
# documented contract: the first start initialises $PGDATA with POSTGRES_USER (default postgres) and
# POSTGRES_PASSWORD (required, as there), creates POSTGRES_DB (default: the user's name), and every
# start runs the server as the postgres user with scram-sha-256 password logins from the network.
set -eu
: "${POSTGRES_PASSWORD:?the postgres stand-in needs POSTGRES_PASSWORD, as the official image does}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  # UTF8 like the official image (its LANG is en_US.utf8): an SQL_ASCII database hands drivers bytes.
  initdb --username="$POSTGRES_USER" --pwfile="$password_file" --auth-local=trust --encoding=UTF8 --locale=C.UTF-8 \
    --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  rm -f "$password_file"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # A private socket-only server for the set-up, as the official entrypoint does.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql -v ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname=postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "postgres stand-in: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

if [ "${1:-}" = postgres ]; then
  shift
  # LISTEN_ADDRESSES is the stand-in's own setting (the official image listens on '*'): the tests run
  # it on the host's network and keep it on loopback.
  exec postgres -c "listen_addresses=${LISTEN_ADDRESSES:-*}" "$@"
fi
exec "$@"
