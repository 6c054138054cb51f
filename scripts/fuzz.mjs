// `npm run fuzz`: the long fuzz campaign. Runs the property tests in test/unit/fuzz with FUZZ_RUNS
// runs per property (default 100,000, so every parser gets at least that many inputs), then prints
// how many inputs each parser was given.
//
//   npm run fuzz                      100,000 runs per property, from the fixed seed below
//   FUZZ_RUNS=1000000 npm run fuzz    longer
//   FUZZ_SEED=123 npm run fuzz        another seed, or replay the seed a failure printed
//
// The default seed is fixed so that the README's figure is a run anyone can repeat; a new seed
// explores new inputs, and whatever it finds belongs in a test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = process.env.FUZZ_RUNS ?? '100000';
const DEFAULT_SEED = '20261201';
const seed = process.env.FUZZ_SEED ?? DEFAULT_SEED;
const dir = mkdtempSync(join(tmpdir(), 'vault-exec-fuzz-summary-'));
const summaryFile = join(dir, 'summary.jsonl');

console.log(`fuzz: ${Number(runs).toLocaleString('en')} runs per property, seed ${seed}`);
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--project',
    'unit',
    'test/unit/fuzz',
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed, FUZZ_SUMMARY: summaryFile },
  },
);
const seconds = (Date.now() - started) / 1000;

const counts = new Map();
let lines = [];
try {
  lines = readFileSync(summaryFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
} catch {
  // No suite finished: vitest's own output above says why.
}
rmSync(dir, { recursive: true, force: true });
for (const line of lines) {
  const entry = JSON.parse(line);
  for (const [parser, count] of Object.entries(entry.counts))
    counts.set(parser, (counts.get(parser) ?? 0) + count);
}

const width = Math.max(0, ...[...counts.keys()].map((name) => name.length));
console.log(`\nfuzz inputs per parser (${seconds.toFixed(1)} s, ${runs} runs per property, seed ${seed}):`);
for (const [parser, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`  ${parser.padEnd(width)}  ${count.toLocaleString('en').padStart(11)}`);
}
const total = [...counts]
  .filter(([parser]) => !parser.includes(','))
  .reduce((sum, [, count]) => sum + count, 0);
console.log(`  ${'total'.padEnd(width)}  ${total.toLocaleString('en').padStart(11)}`);
const failed = result.status !== 0 || counts.size === 0;
console.log(failed ? 'fuzz: FAILED' : 'fuzz: passed');
process.exit(failed ? result.status || 1 : 0);
