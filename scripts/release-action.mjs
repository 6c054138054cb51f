// Publishes a release of the GitHub Action: `node scripts/release-action.mjs 1.2.0`.
//
// A JavaScript action runs straight from the tagged commit, so that commit must hold the built
// bundle. Branches never do (dist/ is gitignored): this script builds, then makes one commit whose
// only parent is HEAD and whose tree is HEAD's plus dist/vault-exec.cjs and dist/action.cjs, and tags
// it v<version> and v<major>. The commit is on no branch; `uses: <owner>/vault-exec@v1` resolves the
// tag. Nothing is pushed: the script prints the push command, for a person or a release job to run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUNDLES = ['dist/vault-exec.cjs', 'dist/action.cjs'];

const version = process.argv[2] ?? '';
if (!/^\d+\.\d+\.\d+$/.test(version)) fail('usage: node scripts/release-action.mjs <major.minor.patch>');
const git = (args, env = {}) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } }).trim();

// The tag must describe exactly a committed tree, so nothing uncommitted may slip into the bundle.
if (git(['status', '--porcelain', '--untracked-files=no']) !== '') fail('commit or stash your changes first');
if (git(['tag', '--list', `v${version}`]) !== '') fail(`tag v${version} exists already`);

execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

// A throw-away index, so the branch's own index and .gitignore stay as they are.
const scratch = mkdtempSync(join(tmpdir(), 'vault-exec-release-'));
try {
  const env = { GIT_INDEX_FILE: join(scratch, 'index') };
  git(['read-tree', 'HEAD'], env);
  git(['add', '--force', ...BUNDLES], env);
  const tree = git(['write-tree'], env);
  const commit = git([
    'commit-tree',
    tree,
    '-p',
    'HEAD',
    '-m',
    `Release v${version} of the GitHub Action, with its bundle`,
  ]);
  const major = `v${version.split('.')[0]}`;
  git(['tag', '--annotate', `v${version}`, commit, '-m', `vault-exec v${version}`]);
  git(['tag', '--force', major, commit]);
  console.log(`tagged v${version} and ${major} at ${commit.slice(0, 12)} (not on any branch)`);
  console.log(`publish with: git push origin v${version} && git push --force origin ${major}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function fail(message) {
  console.error(`release-action: ${message}`);
  process.exit(64);
}
