// Stands in for the `debug` package in the bundle: node-vault and follow-redirects print request
// bodies (secret_id) and headers (X-Vault-Token) through it when DEBUG=* is set, and the child
// shares our environment. A no-op makes that leak impossible.
module.exports = function createDebug() {
  const debug = () => {};
  debug.enabled = false;
  debug.extend = createDebug;
  return debug;
};
module.exports.enable = () => {};
module.exports.disable = () => '';
module.exports.enabled = () => false;
