// Stands in for axios in the bundle: node-vault requires it at load time, but vault-exec gives
// node-vault its own transport (src/vault/transport.ts), so axios and its dependencies
// (follow-redirects, form-data, proxy-from-env) are never used.
module.exports = {
  create() {
    throw new Error('axios is not bundled: node-vault must be given the request-promise transport');
  },
};
