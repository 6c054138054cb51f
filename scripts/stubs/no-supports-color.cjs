// Required (in a try block) by `debug`, which is stubbed anyway; kept out so the bundle has no bare require.
module.exports = false;
