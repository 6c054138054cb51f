// Stands in for node-vault's commands.js (some 100 endpoint definitions, 38 KB): node-vault makes a
// function of each when a client is created, but vault-exec calls only `request`, so it gets none.
module.exports = {};
