#!/bin/sh
# The stand-in's entrypoint (see Containerfile): the official image's argument handling, without its
# production extras (config directory, setcap, the vault user), which `server -dev` does not use.
set -e
case "${1:-}" in
  -*) set -- vault "$@" ;;
  server | version | status | read | write | login | operator | secrets | auth | kv | policy | token)
    set -- vault "$@" ;;
esac
exec "$@"
