// `npm run release`: every artifact of a release in release/ (gitignored), with their checksums:
//
//   vault-exec-<version>.tgz       the npm package (the bundle; runs on the user's Node)
//   vault-exec-linux-x64           standalone, glibc
//   vault-exec-linux-arm64         standalone, glibc, aarch64 (built here, not run here)
//   vault-exec-linux-x64-musl      standalone, musl (Alpine)
//   SHA256SUMS                     `sha256sum -c SHA256SUMS` checks them
//
// The workflow .github/workflows/release.yml runs this on a tag, then attaches release/ and
// publishes the tarball. Each binary is the unchanged bundle compiled by Bun (scripts/standalone.mjs).
//
//   node scripts/release.mjs [--out DIR] [--no-build]
// --no-build takes dist/vault-exec.cjs as it is (the tests, which built it already and must not have
// it rewritten under the files that run it); --out writes elsewhere than release/.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TARGETS, compileStandalone, root } from './standalone.mjs';

const { values: options } = parseArgs({
  options: { out: { type: 'string', default: join(root, 'release') }, 'no-build': { type: 'boolean' } },
});
const out = resolve(options.out);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const say = (text) => console.log(`release: ${text}`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
// One build for the tarball and the binaries; prepack would build again, so it is skipped.
if (!options['no-build']) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out, '--silent'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
  .trim()
  .split('\n')
  .at(-1);
const artifacts = [packed];
for (const target of Object.keys(TARGETS)) {
  const name = `vault-exec-${target}`;
  compileStandalone(target, join(out, name));
  artifacts.push(name);
}
// This machine's binary must run with nothing around it; the others are checked by the tests.
const reported = execFileSync(join(out, 'vault-exec-linux-x64'), ['--version'], {
  env: {},
  encoding: 'utf8',
});
if (reported.trim() !== `vault-exec ${version}`) throw new Error(`the x64 binary says "${reported.trim()}"`);

const sums = artifacts.map((name) => {
  const digest = createHash('sha256')
    .update(readFileSync(join(out, name)))
    .digest('hex');
  return `${digest}  ${name}\n`;
});
writeFileSync(join(out, 'SHA256SUMS'), sums.join(''));
execFileSync('sha256sum', ['--check', '--quiet', 'SHA256SUMS'], { cwd: out, stdio: 'inherit' });
for (const name of artifacts) say(`${name}  ${(statSync(join(out, name)).size / 2 ** 20).toFixed(1)} MiB`);
say(`wrote ${out} (${artifacts.length} artifacts and SHA256SUMS, checked)`);
