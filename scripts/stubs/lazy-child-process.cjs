// commander's `require('node:child_process')`: it spawns only for executable subcommands, which
// vault-exec has none of, so --version and --help need not evaluate node:child_process at all. The
// module is loaded the moment anything is read from it.
module.exports = new Proxy(
  {},
  {
    get: (_, name) => require('node:child_process')[name],
  },
);
