// `npm run bench`: what a start costs, against one local Vault dev server (provisioned by vault/init.sh).
//
// Part 1, the start-up targets: vault-exec's container start (token login, one secret path, a trivial
// child that fails unless the secret arrived) next to a plain-Node floor script doing the same four
// requests (scripts/bench-floor.cjs), `node -e 0`, the standalone binary, --version/--help, and 10,
// 100 and 1,000 paths. The candidates take turns within every round (paired runs), so a busy
// machine slows them alike; medians of the rounds, then the targets as ratios.
// Part 2, the peers (BENCH_PEERS=0 leaves it out): Vault Agent's process-supervisor mode and a
// hand-written entrypoint.sh (curl + jq), each logging in with AppRole and reading two secrets.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, root, startProvisionedVault } from './dev-vault.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP = 3;
const MEMORY_SAMPLES = 3;
// A company CA bundle as NODE_EXTRA_CA_CERTS would name it: the system's, some 140 certificates.
const CA_BUNDLE = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'].find(existsSync);
const hadExtraCerts = process.env.NODE_EXTRA_CA_CERTS !== undefined;
// Unset for every candidate alike, and set on purpose for the one row that measures it.
const env = Object.fromEntries(Object.entries(cleanEnv).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));

const { vaultAddr, vaultBinary, rootToken, work, stop } = await startProvisionedVault();
const roleIdFile = join(work, 'role-id');
const secretIdFile = join(work, 'secret-id');
const db = 'secret/saas-project/dev/database';
const jwt = 'secret/saas-project/dev/jwt';

const vaultApi = async (method, path, body) => {
  const response = await fetch(`${vaultAddr}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': rootToken },
    ...(body && { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`bench set-up: ${method} ${path} answered ${response.status}`);
  return response.status === 204 ? undefined : response.json();
};
// The app's own policy, renewable, as a deployment's token would be.
const appToken = (await vaultApi('POST', 'auth/token/create', { policies: ['saas-project-dev'], ttl: '1h' }))
  .auth.client_token;
const PATH_COUNTS = [10, 100, 1000];
const benchPath = (index) => `secret/saas-project/dev/bench/p${index}`;
for (let index = 0; index < Math.max(...PATH_COUNTS); index++)
  await vaultApi('POST', `secret/data/saas-project/dev/bench/p${index}`, { data: { value: `v${index}` } });

const tokenEnv = { ...env, VAULT_ADDR: vaultAddr, VAULT_TOKEN: appToken };
const oneChild = ['sh', '-c', 'test -n "$DB_PASSWORD"'];
const launcher = join(root, 'bin/vault-exec');
const standalone = join(root, 'dist/vault-exec-linux-x64');
const onePath = ['--log-level', 'warn', '--secret', `DB_PASSWORD=${db}#password`, '--', ...oneChild];
const manyPaths = (count) => [
  '--log-level',
  'warn',
  ...Array.from({ length: count }, (_, index) => ['--secret', `S${index}=${benchPath(index)}#value`]).flat(),
  '--',
  'sh',
  '-c',
  `test "$S${count - 1}" = v${count - 1}`,
];

const targets = [
  // In the order they take their turns: each command next to the one its target compares it with.
  { id: 'node', name: 'node -e 0', command: [process.execPath, '-e', '0'] },
  { id: 'version', name: 'vault-exec --version', command: [launcher, '--version'] },
  { id: 'help', name: 'vault-exec --help', command: [launcher, '--help'] },
  {
    id: 'floor',
    name: 'floor: plain Node script, 4 requests',
    command: [
      process.execPath,
      join(root, 'scripts/bench-floor.cjs'),
      `DB_PASSWORD=${db}#password`,
      '--',
      ...oneChild,
    ],
    memory: true,
  },
  { id: 'start', name: 'vault-exec, 1 path', command: [launcher, ...onePath], memory: true },
  // How a container starts it (ENTRYPOINT ["vault-exec", "--"], every setting in the environment).
  {
    id: 'container',
    name: 'vault-exec -- cmd, 1 path in env',
    command: [launcher, '--', ...oneChild],
    env: { VAULT_EXEC_LOG_LEVEL: 'warn', VAULT_EXEC_SECRET: `DB_PASSWORD=${db}#password` },
    memory: true,
  },
  {
    id: 'ca',
    name: 'vault-exec, NODE_EXTRA_CA_CERTS set',
    command: [launcher, ...onePath],
    env: { NODE_EXTRA_CA_CERTS: CA_BUNDLE },
    skip: CA_BUNDLE ? undefined : 'no CA bundle on this machine',
    memory: true,
  },
  // The same start with the metrics listener on (port 0: any free one); without the flag none of it loads.
  {
    id: 'metrics',
    name: 'vault-exec, 1 path, --metrics-addr on',
    command: [launcher, '--metrics-addr', '0', ...onePath],
  },
  {
    id: 'standalone',
    name: 'standalone binary, 1 path',
    command: [standalone, ...onePath],
    skip: existsSync(standalone) ? undefined : 'no dist/vault-exec-linux-x64: npm run build:standalone',
    memory: true,
  },
  ...PATH_COUNTS.map((count) => ({
    id: `paths${count}`,
    name: `vault-exec, ${count} paths`,
    command: [launcher, ...manyPaths(count)],
  })),
];

// BENCH_BEFORE=<another checkout, built>: its vault-exec takes its turns in the same rounds, so a
// change is compared with what it replaced under the same load. Its rows are printed, not checked.
if (process.env.BENCH_BEFORE) {
  const before = join(process.env.BENCH_BEFORE, 'bin/vault-exec');
  for (const target of targets.filter((target) =>
    ['start', 'container', 'ca', 'version', 'help', 'paths1000'].includes(target.id),
  ))
    targets.push({
      ...target,
      id: `before-${target.id}`,
      name: `before: ${target.name}`,
      command: [before, ...target.command.slice(1)],
    });
}

const timings = new Map(targets.map((target) => [target.id, []]));
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (const target of targets) {
    if (target.skip) continue;
    const elapsed = timeOnce(target.command, { ...tokenEnv, ...target.env }, target.name);
    if (round >= WARMUP) timings.get(target.id).push(elapsed);
  }
}
const figures = new Map();
for (const target of targets) {
  if (target.skip) continue;
  const times = [...timings.get(target.id)].sort((a, b) => a - b);
  const peaks = [];
  if (target.memory)
    for (let sample = 0; sample < MEMORY_SAMPLES; sample++)
      peaks.push(await peakMemory(target.command, { ...tokenEnv, ...target.env }, oneChild));
  figures.set(target.id, {
    median: percentile(times, 0.5),
    p90: percentile(times, 0.9),
    peak: peaks.length > 0 ? median(peaks) : undefined,
  });
}

const peers = process.env.BENCH_PEERS === '0' ? [] : await benchPeers();
stop();

console.log(
  `\nStart to child exit: medians of ${RUNS} paired rounds after ${WARMUP} warm-ups; Vault dev server on loopback; Node ${process.versions.node}; ${process.env.BENCH_CPUS ?? 'this machine'}.`,
);
console.log(
  `vault-exec runs through bin/vault-exec (the npm bin and the images' entrypoint) with a token. NODE_EXTRA_CA_CERTS was ${hadExtraCerts ? 'set in this shell and removed for the runs' : 'not set'}${CA_BUNDLE ? `; its row names ${CA_BUNDLE}` : ''}.\n`,
);
const nameWidth = Math.max(...targets.map((target) => target.name.length)) + 2;
console.log(pad('command', nameWidth) + pad('median', 10) + pad('p90', 10) + 'peak RSS');
for (const target of targets) {
  const figure = figures.get(target.id);
  if (!figure) {
    console.log(pad(target.name, nameWidth) + `skipped (${target.skip})`);
    continue;
  }
  console.log(
    pad(target.name, nameWidth) +
      pad(ms(figure.median), 10) +
      pad(ms(figure.p90), 10) +
      (figure.peak === undefined ? '' : mib(figure.peak)),
  );
}

const at = (id) => figures.get(id)?.median;
// Each target compares two commands run side by side in the same round: the median of the per-round
// ratios (or differences), so a burst of load on the machine moves both sides of one comparison.
const paired = (a, b, combine) => {
  const [left, right] = [timings.get(a), timings.get(b)];
  if (!left?.length || !right?.length) return undefined;
  return median(left.map((value, round) => combine(value, right[round])));
};
const pairedRatio = (a, b) => paired(a, b, (x, y) => x / y);
const perPath = (from, to) => (at(`paths${to}`) - at(`paths${from}`)) / (to - from);
const checks = [
  ['1 path vs floor', pairedRatio('start', 'floor'), '≤ 1.30×', (value) => value <= 1.3, ratio],
  ['container form vs floor', pairedRatio('container', 'floor'), '≤ 1.30×', (value) => value <= 1.3, ratio],
  ['1 path peak RSS', figures.get('start')?.peak, '≤ 47 MiB', (value) => value <= 47 * 1024, mib],
  [
    'NODE_EXTRA_CA_CERTS cost',
    paired('ca', 'start', (x, y) => x - y),
    '≤ +5 ms',
    (value) => value <= 5,
    plusMs,
  ],
  ['--version vs node -e 0', pairedRatio('version', 'node'), '≤ 1.20×', (value) => value <= 1.2, ratio],
  ['--help vs node -e 0', pairedRatio('help', 'node'), '≤ 1.20×', (value) => value <= 1.2, ratio],
  [
    'per path, 10→100 vs 100→1000',
    perPath(100, 1000) / perPath(10, 100),
    '≤ 1.50× (linear)',
    (value) => value <= 1.5,
    (value) =>
      `${ratio(value)} (${perPath(10, 100).toFixed(2)} then ${perPath(100, 1000).toFixed(2)} ms/path)`,
  ],
  ['standalone vs floor', pairedRatio('standalone', 'floor'), '≤ 1.00×', (value) => value <= 1, ratio],
  ['standalone peak RSS', figures.get('standalone')?.peak, '≤ 42 MiB', (value) => value <= 42 * 1024, mib],
];
// With BENCH_BEFORE, the same targets for the other build, from the same rounds, for comparison.
if (process.env.BENCH_BEFORE)
  checks.push(
    [
      'before: 1 path vs floor',
      pairedRatio('before-start', 'floor'),
      '≤ 1.30×',
      (value) => value <= 1.3,
      ratio,
    ],
    [
      'before: container form vs floor',
      pairedRatio('before-container', 'floor'),
      '≤ 1.30×',
      (value) => value <= 1.3,
      ratio,
    ],
    [
      'before: 1 path peak RSS',
      figures.get('before-start')?.peak,
      '≤ 47 MiB',
      (value) => value <= 47 * 1024,
      mib,
    ],
  );
console.log('\n' + pad('target', 34) + pad('measured', 40) + pad('wanted', 18) + 'met');
for (const [name, value, wanted, met, show] of checks) {
  const known = value !== undefined && !Number.isNaN(value);
  console.log(
    pad(name, 34) +
      pad(known ? show(value) : 'not measured', 40) +
      pad(wanted, 18) +
      (known ? (met(value) ? 'yes' : 'NO') : '-'),
  );
}

if (peers.length > 0) {
  console.log(`\nPeers: AppRole login, two secrets; ${RUNS} runs after ${WARMUP} warm-ups each.\n`);
  console.log(pad('candidate', 40) + pad('median', 10) + pad('p90', 10) + 'memory while the child runs');
  for (const peer of peers) {
    if (peer.skipped) {
      console.log(pad(peer.name, 40) + `skipped (${peer.skipped})`);
      continue;
    }
    const memory = peer.rss === 0 ? 'none (exec replaces it)' : peer.rss === undefined ? '' : mib(peer.rss);
    console.log(pad(peer.name, 40) + pad(ms(peer.median), 10) + pad(ms(peer.p90), 10) + memory);
  }
}

/** Wall time of one run, which must succeed (a candidate cannot look fast by failing). */
function timeOnce(command, runEnv, name) {
  const started = performance.now();
  const result = spawnSync(command[0], command.slice(1), {
    env: runEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const elapsed = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`${name} failed (exit ${result.status}): ${result.stderr.toString().slice(-400)}`);
  return elapsed;
}

/**
 * Peak resident memory (KiB, VmHWM) of the supervising process once its child runs: the start-up's
 * high-water mark included. The child is swapped for one that waits, so there is time to look.
 */
async function peakMemory(command, runEnv, quickChild) {
  const waiting = command.map((part) => (part === quickChild[2] ? `${quickChild[2]} && sleep 3` : part));
  const started = spawn(waiting[0], waiting.slice(1), { env: runEnv, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const status = readProc(`/proc/${started.pid}/status`);
      if (status === undefined) return undefined;
      if (hasChild(started.pid)) return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
    }
    return undefined;
  } finally {
    started.kill('SIGKILL');
  }
}

async function benchPeers() {
  const child = ['sh', '-c', 'test -n "$DB_PASSWORD" && test -n "$JWT_SECRET"'];
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
  const appRoleArgs = [
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
  const candidates = [
    { name: 'vault-exec (AppRole)', command: [launcher, ...appRoleArgs] },
    {
      name: 'Vault Agent exec mode',
      command: [vaultBinary, 'agent', `-config=${join(work, 'agent.hcl')}`, '-log-level=error'],
      agent: true,
    },
    {
      name: 'entrypoint.sh (curl + jq)',
      command: ['sh', join(work, 'entrypoint.sh'), ...child],
      needs: ['curl', 'jq'],
      execs: true,
    },
  ];
  const results = [];
  const peerEnv = { ...env, VAULT_ADDR: vaultAddr };
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
      const elapsed = timeOnce(candidate.command, peerEnv, candidate.name);
      if (run >= WARMUP) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    let rss = 0;
    if (!candidate.execs) {
      // Vault Agent's child is in its config file: swap it there for one that waits.
      const agentConfig = join(work, 'agent.hcl');
      const agentText = readFileSync(agentConfig, 'utf8');
      const waiting = `${child[2]} && sleep 3`;
      writeFileSync(
        agentConfig,
        agentText.replace(JSON.stringify(child), JSON.stringify([...child.slice(0, 2), waiting])),
      );
      try {
        rss = await peakMemory(candidate.command, peerEnv, child);
      } finally {
        writeFileSync(agentConfig, agentText);
      }
    }
    results.push({ ...candidate, median: percentile(times, 0.5), p90: percentile(times, 0.9), rss });
  }
  return results;
}

/** Any thread may be the parent (Go spawns from whichever thread runs), so look at every task. */
function hasChild(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).some(
      (task) => (readProc(`/proc/${pid}/task/${task}/children`) ?? '').trim() !== '',
    );
  } catch {
    return false;
  }
}

function readProc(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function pad(text, width) {
  return text.padEnd(width);
}

function ms(value) {
  return `${value.toFixed(0)} ms`;
}

function plusMs(value) {
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)} ms`;
}

function ratio(value) {
  return `${value.toFixed(3)}×`;
}

function mib(kib) {
  return `${(kib / 1024).toFixed(1)} MiB`;
}
