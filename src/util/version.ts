// vault-exec's version, as the build stamped it.

/** Replaced by esbuild at build time (scripts/build.mjs); unit tests run from source and see "dev". */
declare const VAULT_EXEC_VERSION: string | undefined;

export const VERSION: string = typeof VAULT_EXEC_VERSION === 'string' ? VAULT_EXEC_VERSION : 'dev';
