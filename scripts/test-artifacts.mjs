// `npm run test:artifacts [-- NAME...]`: the black-box integration tests against each artifact a user
// installs, not only the bundle on the Node that runs the tests (npm test does that one):
//
//   binary   dist/vault-exec-linux-x64, the standalone binary (Bun)
//   node22   the bundle on Node 22, and node24, node26 likewise (scripts/ensure-node fetches them)
//
// With no NAME, all of them, one after another (each run uses the machine's cores as npm test does).
// test/support/processes.ts reads VAULT_EXEC_TEST_BINARY / VAULT_EXEC_TEST_NODE. Each run also writes
// vitest-<name>.json, whose counts .ci/run adds to its closing line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const NODE_LINES = execFileSync(join(root, 'scripts/ensure-node'), ['--lines'], { encoding: 'utf8' })
  .trim()
  .split(' ')
  .filter((line) => line !== '20'); // npm test runs the bundle on the machine's Node 20 already
const ALL = ['binary', ...NODE_LINES.map((line) => `node${line}`)];

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
for (const name of names)
  if (!ALL.includes(name))
    throw new Error(`test-artifacts: unknown artifact ${name} (one of: ${ALL.join(', ')})`);

/** The environment variable that points the tests at this artifact. */
function artifactEnv(name) {
  if (name === 'binary') {
    const binary = join(root, 'dist/vault-exec-linux-x64');
    if (!existsSync(binary)) throw new Error('test-artifacts: run `npm run build:standalone` first');
    return { VAULT_EXEC_TEST_BINARY: binary };
  }
  const node = execFileSync(join(root, 'scripts/ensure-node'), [name.slice('node'.length)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1);
  return { VAULT_EXEC_TEST_NODE: node };
}

const results = [];
for (const name of names) {
  const started = Date.now();
  console.log(`\ntest-artifacts: the integration tests against ${name}`);
  const run = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--project',
      'integration',
      '--reporter=default',
      '--reporter=json',
      `--outputFile=vitest-${name}.json`,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...artifactEnv(name) } },
  );
  results.push({ name, status: run.status, seconds: Math.round((Date.now() - started) / 1000) });
}
console.log('');
for (const { name, status, seconds } of results)
  console.log(`test-artifacts: ${name}: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
process.exit(results.every(({ status }) => status === 0) ? 0 : 1);
