// A Vault dev server on a free loopback port, provisioned by vault/init.sh exactly as
// docker-compose.yml's vault-init service does (AppRole, the read-only policy, the role, role-id and
// secret-id files, random demo secrets under secret/<project>/dev/). Shared by the demo and the bench.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** The environment without the caller's VAULT_* settings, so a developer's own Vault is never touched. */
export const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('VAULT_')),
);

/**
 * Starts and provisions the server. `init` overrides init.sh's settings (PROJECT, TOKEN_TTL, ...).
 * Returns its address, the directory holding role-id and secret-id, and stop().
 */
export async function startProvisionedVault(init = {}) {
  const vaultBinary = execFileSync(join(root, 'scripts/ensure-vault-server'), {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim()
    .split('\n')
    .at(-1);
  const work = mkdtempSync(join(tmpdir(), 'vault-exec-dev-'));
  const rootToken = `dev-root-${randomBytes(8).toString('hex')}`;
  let server;
  try {
    server = await startDevServer(vaultBinary, { rootToken, env: { ...cleanEnv, HOME: work } });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const vaultAddr = server.address;
  const stop = () => {
    server.stop();
    rmSync(work, { recursive: true, force: true });
  };
  process.on('exit', stop);

  execFileSync('sh', [join(root, 'vault/init.sh')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...cleanEnv,
      PATH: `${cliDirectory(vaultBinary, work)}:${process.env.PATH}`,
      VAULT_ADDR: vaultAddr,
      VAULT_TOKEN: rootToken,
      OUT_DIR: work,
      SEED_DEMO_SECRETS: 'true',
      ...init,
    },
  });
  return { vaultAddr, vaultBinary, rootToken, work, stop };
}

/**
 * `vault server -dev` on a free loopback port with `rootToken`, once it answers its health check, and
 * stop(). In its own process group: a Ctrl-C must not stop Vault before vault-exec has revoked its
 * token.
 */
export async function startDevServer(binary, { rootToken, env }) {
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  const server = spawn(
    binary,
    [
      'server',
      '-dev',
      `-dev-root-token-id=${rootToken}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      '-dev-no-store-token',
    ],
    { detached: true, stdio: 'ignore', env },
  );
  const stop = () => {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  try {
    await waitFor(
      async () => (await fetch(`${address}/v1/sys/health`).catch(() => undefined))?.status === 200,
      `the Vault dev server at ${address} did not start`,
    );
  } catch (error) {
    stop();
    throw error;
  }
  return { address, stop };
}

/** init.sh calls `vault`; an installed OpenBao is called `bao`, so it gets a `vault` link in `work`. */
function cliDirectory(binary, work) {
  if (basename(binary) === 'vault') return dirname(binary);
  const directory = join(work, 'bin');
  mkdirSync(directory);
  symlinkSync(binary, join(directory, 'vault'));
  return directory;
}

export async function waitFor(check, message, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
