// `npm run bench`: what it costs to get secrets into a child, for vault-exec and its peers, against the
// same local Vault dev server (provisioned by vault/init.sh). Every candidate logs in with AppRole,
// reads the same two secrets and runs the same child, which fails unless both arrived, so a candidate
// cannot look fast by doing less. Timings are wall time from start to the child's exit.
//
// Peers that can run here: Vault Agent's process-supervisor mode (the same vault binary) and the
// hand-written entrypoint.sh (curl + jq) that teams use today. envconsul and vault-env cannot be
// fetched on this machine; see the README's Benchmarks section.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, root, startProvisionedVault } from './dev-vault.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP = 3;
const child = ['sh', '-c', 'test -n "$DB_PASSWORD" && test -n "$JWT_SECRET"'];
const hadExtraCerts = process.env.NODE_EXTRA_CA_CERTS !== undefined;
// Node 20 pays ~45 ms per start for NODE_EXTRA_CA_CERTS; so the bench unsets it for every contender alike.
const env = Object.fromEntries(Object.entries(cleanEnv).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));

const { vaultAddr, vaultBinary, work, stop } = await startProvisionedVault();
const roleIdFile = join(work, 'role-id');
const secretIdFile = join(work, 'secret-id');
const db = 'secret/saas-project/dev/database';
const jwt = 'secret/saas-project/dev/jwt';

const vaultExecArgs = [
  '--role-id-file',
  roleIdFile,
  '--secret-id-file',
  secretIdFile,
  '--log-level',
  'warn',
  '--secret',
  `DB_PASSWORD=${db}#password`,
  '--secret',
  `JWT_SECRET=${jwt}#secret`,
  '--',
  ...child,
];
const standalone = join(root, 'dist/vault-exec-linux-x64');

writeFileSync(
  join(work, 'agent.hcl'),
  `
vault { address = "${vaultAddr}" }
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
      remove_secret_id_file_after_reading = false
    }
  }
}
template_config { exit_on_retry_failure = true }
env_template "DB_PASSWORD" {
  contents = "{{ with secret \\"secret/data/saas-project/dev/database\\" }}{{ .Data.data.password }}{{ end }}"
  error_on_missing_key = true
}
env_template "JWT_SECRET" {
  contents = "{{ with secret \\"secret/data/saas-project/dev/jwt\\" }}{{ .Data.data.secret }}{{ end }}"
  error_on_missing_key = true
}
exec {
  command = ${JSON.stringify(child)}
  restart_on_secret_changes = "never"
}
`,
);

// What a team's hand-written entrypoint does: log in, read, export, exec. No renewal, no supervision.
writeFileSync(
  join(work, 'entrypoint.sh'),
  `#!/bin/sh
set -eu
token=$(curl -sf -X POST "$VAULT_ADDR/v1/auth/approle/login" \\
  -d "{\\"role_id\\":\\"$(cat "${roleIdFile}")\\",\\"secret_id\\":\\"$(cat "${secretIdFile}")\\"}" | jq -r .auth.client_token)
DB_PASSWORD=$(curl -sf -H "X-Vault-Token: $token" "$VAULT_ADDR/v1/secret/data/saas-project/dev/database" | jq -r .data.data.password)
JWT_SECRET=$(curl -sf -H "X-Vault-Token: $token" "$VAULT_ADDR/v1/secret/data/saas-project/dev/jwt" | jq -r .data.data.secret)
export DB_PASSWORD JWT_SECRET
exec "$@"
`,
  { mode: 0o755 },
);

const candidates = [
  {
    name: 'vault-exec (bundle, node 20)',
    command: [process.execPath, join(root, 'dist/vault-exec.cjs'), ...vaultExecArgs],
  },
  {
    // The same with the metrics listener on (port 0: any free one); without the flag none of it loads.
    name: 'vault-exec, --metrics-addr on',
    command: [process.execPath, join(root, 'dist/vault-exec.cjs'), '--metrics-addr', '0', ...vaultExecArgs],
  },
  ...(existsSync(standalone)
    ? [{ name: 'vault-exec (standalone binary)', command: [standalone, ...vaultExecArgs] }]
    : []),
  {
    name: 'Vault Agent exec mode',
    command: [vaultBinary, 'agent', `-config=${join(work, 'agent.hcl')}`, '-log-level=error'],
  },
  {
    name: 'entrypoint.sh (curl + jq)',
    command: ['sh', join(work, 'entrypoint.sh'), ...child],
    needs: ['curl', 'jq'],
    execs: true,
  },
  { name: 'baseline: node -e 0', command: [process.execPath, '-e', '0'], baseline: true },
];

const results = [];
for (const candidate of candidates) {
  const missing = (candidate.needs ?? []).filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) {
    results.push({ ...candidate, skipped: `needs ${missing.join(', ')}` });
    continue;
  }
  const times = [];
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const started = performance.now();
    const result = spawnSync(candidate.command[0], candidate.command.slice(1), {
      env: { ...env, VAULT_ADDR: vaultAddr },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const elapsed = performance.now() - started;
    if (result.status !== 0)
      throw new Error(
        `${candidate.name} failed (exit ${result.status}): ${result.stderr.toString().slice(-400)}`,
      );
    if (run >= WARMUP) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  // A script that execs into the child leaves nothing behind to measure: it supervises nothing either.
  const rss = candidate.baseline ? undefined : candidate.execs ? 0 : await residentMemory(candidate.command);
  results.push({ ...candidate, median: percentile(times, 0.5), p90: percentile(times, 0.9), rss });
}
stop();

const reference = results[0].median;
console.log(
  `\nStart to child exit, ${RUNS} runs after ${WARMUP} warm-ups; Vault dev server on loopback; Node ${process.versions.node}.`,
);
console.log(
  `NODE_EXTRA_CA_CERTS was ${hadExtraCerts ? 'set in this shell and removed for the runs' : 'not set'}.\n`,
);
console.log(
  pad('candidate', 34) +
    pad('median', 10) +
    pad('p90', 10) +
    pad('vs vault-exec', 15) +
    'memory while the child runs',
);
for (const result of results) {
  if (result.skipped) {
    console.log(pad(result.name, 34) + `skipped (${result.skipped})`);
    continue;
  }
  const memory =
    result.rss === undefined
      ? ''
      : result.rss === 0
        ? 'none (exec replaces it)'
        : `${(result.rss / 1024).toFixed(0)} MiB RSS`;
  console.log(
    pad(result.name, 34) +
      pad(`${result.median.toFixed(0)} ms`, 10) +
      pad(`${result.p90.toFixed(0)} ms`, 10) +
      pad(`${(result.median / reference).toFixed(2)}×`, 15) +
      memory,
  );
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

function pad(text, width) {
  return text.padEnd(width);
}

/** Resident memory (KiB) of the supervising process once its child runs; 0 if it exec'd into the child. */
async function residentMemory(command) {
  const longChild = ['sh', '-c', 'test -n "$DB_PASSWORD" && sleep 3'];
  const swapped = command.map((part) => (part === child[2] ? longChild[2] : part));
  const agentConfig = join(work, 'agent.hcl');
  const agentText = readFileSync(agentConfig, 'utf8');
  writeFileSync(agentConfig, agentText.replace(JSON.stringify(child), JSON.stringify(longChild)));
  const process_ = spawn(swapped[0], swapped.slice(1), {
    env: { ...env, VAULT_ADDR: vaultAddr },
    stdio: 'ignore',
  });
  try {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const status = readProc(`/proc/${process_.pid}/status`);
      if (status === undefined) return undefined;
      if (hasChild(process_.pid)) return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
    }
    return undefined;
  } finally {
    process_.kill('SIGKILL');
    writeFileSync(agentConfig, agentText);
  }
}

/** Any thread may be the parent (Go spawns from whichever thread runs), so look at every task. */
function hasChild(pid) {
  return readdirSync(`/proc/${pid}/task`).some(
    (task) => (readProc(`/proc/${pid}/task/${task}/children`) ?? '').trim() !== '',
  );
}

function readProc(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
