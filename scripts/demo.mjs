// `npm run demo`: the whole flow on one machine, no Docker needed.
//   1. get the Vault dev server (built once by scripts/ensure-vault-server) and start it on a free port;
//   2. provision it as a team would, with vault/init.sh: AppRole, a read-only policy on the app's
//      paths, short token TTLs, and secrets under secret/saas-project/dev/{database,jwt,...};
//   3. hand role_id/secret_id to vault-exec through files, and run the example server behind it.
// Ctrl-C stops the example server, vault-exec (which revokes its token) and then Vault.
// `--smoke` checks /health once and stops everything (used by the test suite).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const smoke = process.argv.includes('--smoke');
const say = (text) => console.log(`demo: ${text}`);

const vaultBinary = execFileSync(join(root, 'scripts/ensure-vault-server'), { stdio: ['ignore', 'pipe', 'inherit'] })
  .toString().trim().split('\n').at(-1);
const work = mkdtempSync(join(tmpdir(), 'vault-exec-demo-'));
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VAULT_')));
const rootToken = `demo-root-${randomBytes(8).toString('hex')}`;
const vaultPort = await freePort();
const appPort = Number(process.env.PORT ?? (await freePort()));
const vaultAddr = `http://127.0.0.1:${vaultPort}`;

const vault = spawn(vaultBinary, ['server', '-dev', `-dev-root-token-id=${rootToken}`, `-dev-listen-address=127.0.0.1:${vaultPort}`, '-dev-no-store-token'], {
  detached: true, // its own process group: Ctrl-C must not stop Vault before vault-exec has revoked its token
  stdio: 'ignore',
  env: { ...cleanEnv, HOME: work },
});
const stopVault = () => {
  try {
    process.kill(-vault.pid, 'SIGTERM');
  } catch {}
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', stopVault);

await waitFor(async () => (await fetch(`${vaultAddr}/v1/sys/health`).catch(() => undefined))?.status === 200, 'Vault did not start');
say(`Vault dev server running at ${vaultAddr}`);

// Provisioned by vault/init.sh, exactly as docker-compose.yml's vault-init service does: AppRole,
// the read-only policy from vault/policies/app.hcl, the role, role-id/secret-id files in $DEMO_DIR,
// and random demo secrets under secret/saas-project/dev/. Short TTLs so renewal shows in the log.
execFileSync('sh', [join(root, 'vault/init.sh')], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...cleanEnv,
    PATH: `${dirname(vaultBinary)}:${process.env.PATH}`,
    VAULT_ADDR: vaultAddr,
    VAULT_TOKEN: rootToken,
    OUT_DIR: work,
    TOKEN_TTL: '30s',
    TOKEN_MAX_TTL: '5m',
    SECRET_ID_TTL: '10m',
    SEED_DEMO_SECRETS: 'true',
  },
});

const args = [
  join(root, 'bin/vault-exec'),
  '--role-id-file', join(work, 'role-id'),
  '--secret-id-file', join(work, 'secret-id'),
  '--remove-secret-id-file',
  '--secrets', 'DB_=secret/saas-project/dev/database',
  '--secret', 'JWT_SECRET=secret/saas-project/dev/jwt#secret',
  '--', process.execPath, join(root, 'examples/node/server.js'),
];
say(`running: vault-exec ${args.slice(1).map((arg) => arg.replace(work, '$DEMO_DIR').replace(root, '')).join(' ')}`);
const supervised = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: {
    ...cleanEnv,
    VAULT_ADDR: vaultAddr,
    PORT: String(appPort),
    DATABASE_URL: 'postgresql://${vault:secret/saas-project/dev/database#username}:${vault:secret/saas-project/dev/database#password}@db:5432/saas',
  },
});
// A Ctrl-C reaches vault-exec through the terminal; a signal sent to this script alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => supervised.kill('SIGTERM'));
const exited = new Promise((resolve) => supervised.on('exit', (code, signal) => resolve(code ?? 128)));

const healthUrl = `http://127.0.0.1:${appPort}/health`;
await waitFor(async () => (await fetch(healthUrl).catch(() => undefined))?.status === 200, 'the example server did not become healthy');
say(`the example server is up: curl ${healthUrl}  (Ctrl-C to stop everything)`);
if (smoke) {
  const body = await (await fetch(healthUrl)).json();
  console.log(JSON.stringify({ status: body.status, secrets: body.secrets }));
  supervised.kill('SIGTERM');
}
const code = await exited;
say(`vault-exec exited with ${code}; stopping Vault`);
process.exit(code);

async function waitFor(check, message, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
