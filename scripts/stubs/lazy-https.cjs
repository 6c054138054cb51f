// node-vault's `require('https')`: it only builds an https.Agent for axios, which vault-exec never
// uses (it passes its own transport). Loading node:https (and tls, crypto) at every start for that
// cost ~3 ms, so the module is reached only if something asks for it.
Object.defineProperty(module.exports, 'Agent', {
  enumerable: true,
  get: () => require('node:https').Agent,
});
