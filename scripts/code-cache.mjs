// Makes dist/vault-exec.code-cache, the V8 code cache the launcher (bin/vault-exec) compiles the bundle
// with. V8 caches the functions a run compiled, so the cache is made from one real start through the
// launcher's own compileBundle. Every start reads all of the cache, so only that start is in it:
// --help and commander's error messages, left out, cost each start 0.8 ms when they were in (the
// launcher answers a lone --help from vault-exec.answers anyway). With a Vault dev server at hand
// (VAULT_EXEC_SERVER_BIN, or the pinned build scripts/ensure-vault-server caches) that start is a
// container start (`vault-exec -- true`, its settings in the environment) with one secret: login,
// read, spawn and exit are all compiled. Without one (an image's build stage) it is a `run` start
// with Vault down and the .env fallback (the container form never falls back), which still goes
// through the client, the wait, the spawn and the exit. Never downloads or builds a Vault.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer } from './dev-vault.mjs';

/** Returns how the cache was made, for the build's line. */
export async function makeCodeCache({ root, launcher, bundle, output }) {
  const work = mkdtempSync(join(tmpdir(), 'vault-exec-code-cache-'));
  const vaultBinary = findVaultServer(root);
  let stopVault = () => {};
  try {
    const base = { PATH: process.env.PATH, HOME: work };
    let env;
    let start;
    let how;
    if (vaultBinary) {
      const server = await startServerWithSecret(vaultBinary, work);
      stopVault = server.stop;
      env = { ...base, VAULT_ADDR: server.address, VAULT_TOKEN: server.token };
      Object.assign(env, { VAULT_EXEC_LOG_LEVEL: 'error', VAULT_EXEC_SECRET: 'A=secret/app#key' });
      start = ['--', 'true'];
      how = 'a start against a Vault dev server';
    } else {
      writeFileSync(join(work, '.env'), 'A=code-cache\n');
      env = { ...base, VAULT_ADDR: 'http://127.0.0.1:9', VAULT_TOKEN: 'code-cache-run' };
      start = ['run', '--fallback-env', join(work, '.env'), '--wait-timeout', '0', '--log-level', 'error'];
      start.push('--secret', 'A=secret/app#key', '--', 'true');
      how = 'a start with Vault down and the .env fallback (no Vault dev server at hand)';
    }
    rmSync(output, { force: true });
    const made = spawnSync(
      process.execPath,
      [
        '-e',
        `const [launcher, bundle, cache, start] = process.argv.slice(1);
         const { script, run } = require(launcher).compileBundle(bundle, '');
         process.on('exit', (code) => code === 0 && require('node:fs').writeFileSync(cache, script.createCachedData()));
         process.argv = [process.execPath, bundle, ...JSON.parse(start)];
         run();`,
        launcher,
        bundle,
        output,
        JSON.stringify(start),
      ],
      // A directory of its own: no project file of this checkout is found, and nothing is left behind.
      { cwd: work, env, encoding: 'utf8' },
    );
    if (made.status !== 0 || !existsSync(output))
      throw new Error(`code cache: the run exited ${made.status}: ${made.stderr}`);
    return how;
  } finally {
    stopVault();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The server the test suite pins, if it is already built; VAULT_EXEC_SERVER_BIN first, as there. */
function findVaultServer(root) {
  if (process.env.VAULT_EXEC_SERVER_BIN && existsSync(process.env.VAULT_EXEC_SERVER_BIN))
    return process.env.VAULT_EXEC_SERVER_BIN;
  const version = /^VAULT_VERSION="([^"]+)"/m.exec(
    readFileSync(join(root, 'scripts/ensure-vault-server'), 'utf8'),
  )?.[1];
  const cacheRoot =
    process.env.VAULT_EXEC_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vault-exec');
  const pinned = join(cacheRoot, `vault-${version}`, 'vault');
  return version && existsSync(pinned) ? pinned : undefined;
}

/** A dev server with one KV v2 secret, secret/app#key, and its root token. */
async function startServerWithSecret(binary, work) {
  const token = `code-cache-${randomBytes(8).toString('hex')}`;
  const { address, stop } = await startDevServer(binary, {
    rootToken: token,
    env: { PATH: process.env.PATH, HOME: work },
  });
  try {
    const written = await fetch(`${address}/v1/secret/data/app`, {
      method: 'POST',
      headers: { 'X-Vault-Token': token },
      body: JSON.stringify({ data: { key: 'code-cache' } }),
    });
    if (!written.ok) throw new Error(`code cache: writing the secret answered ${written.status}`);
    return { address, token, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
