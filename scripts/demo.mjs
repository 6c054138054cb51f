// `npm run demo`: the whole flow on one machine, no Docker needed.
//   1. get the Vault dev server (built once by scripts/ensure-vault-server) and start it on a free port;
//   2. provision it as a team would, with vault/init.sh: AppRole, a read-only policy on the app's
//      paths, short token TTLs, and secrets under secret/saas-project/dev/{database,jwt,...};
//   3. hand role_id/secret_id to vault-exec through files, and run the example server behind it.
// Ctrl-C stops the example server, vault-exec (which revokes its token) and then Vault.
// `--smoke` checks /health once and stops everything (used by the test suite).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, freePort, root, startProvisionedVault, waitFor } from './dev-vault.mjs';

const smoke = process.argv.includes('--smoke');
const say = (text) => console.log(`demo: ${text}`);

// Short TTLs, so renewal shows in the log.
const { vaultAddr, work } = await startProvisionedVault({
  TOKEN_TTL: '30s',
  TOKEN_MAX_TTL: '5m',
  SECRET_ID_TTL: '10m',
});
const appPort = Number(process.env.PORT ?? (await freePort()));
say(`Vault dev server running at ${vaultAddr}, provisioned by vault/init.sh`);

const args = [
  join(root, 'bin/vault-exec'),
  '--role-id-file',
  join(work, 'role-id'),
  '--secret-id-file',
  join(work, 'secret-id'),
  '--remove-secret-id-file',
  '--secrets',
  'DB_=secret/saas-project/dev/database',
  '--secret',
  'JWT_SECRET=secret/saas-project/dev/jwt#secret',
  '--',
  process.execPath,
  join(root, 'examples/node/server.js'),
];
say(
  `running: vault-exec ${args
    .slice(1)
    .map((arg) => arg.replace(work, '$DEMO_DIR').replace(root, ''))
    .join(' ')}`,
);
const supervised = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: {
    ...cleanEnv,
    VAULT_ADDR: vaultAddr,
    PORT: String(appPort),
    DATABASE_URL:
      'postgresql://${vault:secret/saas-project/dev/database#username}:${vault:secret/saas-project/dev/database#password}@db:5432/saas',
  },
});
// A Ctrl-C reaches vault-exec through the terminal; a signal sent to this script alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => supervised.kill('SIGTERM'));
const exited = new Promise((resolve) => supervised.on('exit', (code, signal) => resolve(code ?? 128)));

const healthUrl = `http://127.0.0.1:${appPort}/health`;
await waitFor(
  async () => (await fetch(healthUrl).catch(() => undefined))?.status === 200,
  'the example server did not become healthy',
);
say(`the example server is up: curl ${healthUrl}  (Ctrl-C to stop everything)`);
if (smoke) {
  const body = await (await fetch(healthUrl)).json();
  console.log(JSON.stringify({ status: body.status, secrets: body.secrets }));
  supervised.kill('SIGTERM');
}
const code = await exited;
say(`vault-exec exited with ${code}; stopping Vault`);
process.exit(code);
