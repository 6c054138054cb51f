// Compiles the bundle (dist/vault-exec.cjs, unchanged) into one standalone executable per platform
// with Bun, for images without Node: shared by `npm run build:standalone` (this machine's binary) and
// `npm run release` (every platform).
//
// Why Bun and not a Node single executable (what this project shipped first), measured with the same
// bundle (README "Install" has the table): --version in 31-36 ms against 107 ms, a start with one
// secret in 58-78 ms against 166 ms, at 39-41 MiB RSS against 60 MiB, for about the same size (108 MiB
// against 112 MiB); it links only glibc (the SEA also needs libstdc++ and libatomic, which slim images
// lack), and Bun ships musl and arm64 runtimes that one x64 machine can compile for.
//
// How the size is kept down: Bun's runtime is 102 MiB of it and cannot be trimmed (its release build
// is already stripped of all but 50 KB of symbols); `--minify` saves 160 KB; `--bytecode` costs
// 3.7 MiB and is kept because it makes the start about three times faster.
//
// Bun's runtimes come from the npm registry (scripts/ensure-bun, cached outside the repository); the
// x64 one compiles for every target, handed the target's runtime with --compile-executable-path,
// because `bun build --compile --target` would otherwise download it from the internet.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const bundle = join(root, 'dist/vault-exec.cjs');
/**
 * Our names for the platforms (the release's file names), Bun's target for each and the runtime
 * (scripts/ensure-bun) it is built on. The x64 ones take Bun's "baseline" runtime, the one meant for
 * CPUs without AVX2 (pre-2013, or a VM with a conservative CPU model), where an entrypoint must still
 * start. In 1.4.4 its package holds the same binary as the default one; a later Bun may differ.
 */
export const TARGETS = {
  'linux-x64': { bun: 'bun-linux-x64-baseline', runtime: 'linux-x64-baseline' },
  'linux-arm64': { bun: 'bun-linux-arm64', runtime: 'linux-arm64' },
  'linux-x64-musl': { bun: 'bun-linux-x64-musl-baseline', runtime: 'linux-x64-musl-baseline' },
};

/** A Bun runtime (scripts/ensure-bun's names), fetched and cached by scripts/ensure-bun; its path. */
export function ensureBun(runtime) {
  return execFileSync(join(root, 'scripts/ensure-bun'), [runtime], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1);
}

/** Compiles dist/vault-exec.cjs into `output` for `target`; replaces `output` only once it is whole. */
export function compileStandalone(target, output) {
  if (!(target in TARGETS)) throw new Error(`unknown target ${target}`);
  if (!existsSync(bundle)) throw new Error('dist/vault-exec.cjs is missing; run `npm run build` first');
  const compiler = ensureBun('linux-x64-baseline'); // runs on any x64 host, and is the x64 base too
  const base = ensureBun(TARGETS[target].runtime);
  const partial = `${output}.tmp`;
  try {
    execFileSync(
      compiler,
      [
        'build',
        bundle,
        '--compile',
        `--target=${TARGETS[target].bun}`,
        `--compile-executable-path=${base}`,
        '--minify',
        '--bytecode',
        // A compiled Bun program would otherwise read .env and bunfig.toml from the directory it is
        // started in: the first puts a file's values into vault-exec's own environment (VAULT_ADDR,
        // VAULT_TOKEN), the second can preload any script. Neither may happen to an entrypoint.
        '--no-compile-autoload-dotenv',
        '--no-compile-autoload-bunfig',
        '--no-compile-autoload-tsconfig',
        '--no-compile-autoload-package-json',
        `--outfile=${partial}`,
      ],
      // Bun writes its progress lines to stdout; a build failure goes to stderr.
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_COLOR: '1' } },
    );
    chmodSync(partial, 0o755);
    renameSync(partial, output);
  } finally {
    rmSync(partial, { force: true });
  }
}
