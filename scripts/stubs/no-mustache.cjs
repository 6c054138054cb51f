// Stands in for mustache in the bundle: node-vault renders its generated commands' paths with it, but
// vault-exec only calls node-vault's `request` (src/vault/http/client.ts), which renders nothing.
module.exports = {
  render() {
    throw new Error('mustache is not bundled: only node-vault.request is used');
  },
};
