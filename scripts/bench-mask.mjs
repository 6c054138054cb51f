// `npm run bench:mask`: what --mask costs a child that prints a lot. The same child (cat of a
// log-like output) runs behind vault-exec with and without --mask, its output going to /dev/null,
// against the local Vault dev server of `npm run bench`. One line in every 1000 holds the secret, so
// the masker really replaces things.
import { spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, root, startProvisionedVault } from './dev-vault.mjs';

const MIB = Number(process.env.BENCH_MASK_MIB ?? 100);
const RUNS = 3;

const { vaultAddr, work, stop } = await startProvisionedVault();
try {
  // The child prints MIB MiB of log lines, one in every 1000 holding the secret it was given.
  const child = [
    process.execPath,
    '-e',
    `const { writeSync } = require('node:fs');
     const line = '2026-12-01T20:00:00Z info request handled path=/api/v1/items status=200 duration=12ms\\n';
     const block = 'password=' + process.env.DB_PASSWORD + '\\n' + line.repeat(999);
     for (let written = 0; written < ${MIB} * 1048576; written += block.length) writeSync(1, block);`,
  ];
  const vaultExec = (extra) => [
    join(root, 'dist/vault-exec.cjs'),
    '--role-id-file',
    join(work, 'role-id'),
    '--secret-id-file',
    join(work, 'secret-id'),
    '--log-level',
    'warn',
    '--secret',
    'DB_PASSWORD=secret/saas-project/dev/database#password',
    ...extra,
    '--',
    ...child,
  ];
  const time = (args) => {
    const best = [];
    for (let run = 0; run < RUNS; run++) {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, {
        env: { ...cleanEnv, VAULT_ADDR: vaultAddr },
        stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'],
      });
      if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
      best.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return Math.min(...best);
  };
  const plain = time(vaultExec([]));
  const masked = time(vaultExec(['--mask']));
  console.log(`${MIB} MiB of child output to /dev/null, best of ${RUNS}:`);
  console.log(`  vault-exec          ${plain.toFixed(2)} s`);
  console.log(
    `  vault-exec --mask   ${masked.toFixed(2)} s  (${(MIB / masked).toFixed(0)} MiB/s end to end)`,
  );
} finally {
  await stop();
}
