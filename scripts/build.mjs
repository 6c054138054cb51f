// Bundles src/main.ts and every runtime dependency into one CommonJS file, dist/vault-exec.cjs,
// which runs with nothing but `node` (no node_modules). CommonJS because execa has no top-level
// await, and it is what Node's single-executable builder needs.
//
// Beside it: dist/vault-exec, the launcher (a copy of bin/vault-exec, for images), and
// dist/vault-exec.code-cache, V8's code cache for the bundle, made from a real run of it on this Node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const stub = (name) => `${root}scripts/stubs/${name}`;

// Both outputs run on the same Node (the action on the runner's) as single CommonJS files.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

const result = await build({
  ...common,
  entryPoints: [`${root}src/main.ts`],
  outfile: `${root}dist/vault-exec.cjs`,
  metafile: true,
  define: { VAULT_EXEC_VERSION: JSON.stringify(version) },
  alias: {
    axios: stub('no-axios.cjs'),
    debug: stub('noop-debug.cjs'),
    'supports-color': stub('no-supports-color.cjs'),
    // node-vault's command templates and schema validation: vault-exec uses only its `request`.
    mustache: stub('no-mustache.cjs'),
    tv4: stub('request-check.cjs'),
  },
  plugins: [standInsWithinDependencies()],
  // Executable on its own (`./vault-exec.cjs`), so an image with node can use it as the entrypoint.
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync(`${root}dist/vault-exec.cjs`, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((total, output) => total + output.bytes, 0);
console.log(`built dist/vault-exec.cjs (${Math.round(bytes / 1024)} KiB)`);

// The launcher and its code cache: made by running the bundle through the launcher's own
// compileBundle, twice in one process: `--help` (the help text's formatting), then a start at an
// address where nothing listens, which goes through parsing, the client, the transport and the wait
// (then exits 69) without a Vault. V8 caches every function those runs compiled.
copyFileSync(`${root}bin/vault-exec`, `${root}dist/vault-exec`);
chmodSync(`${root}dist/vault-exec`, 0o755);
const codeCache = `${root}dist/vault-exec.code-cache`;
rmSync(codeCache, { force: true });
const startArgs = [
  '--wait-timeout',
  '0',
  '--log-level',
  'error',
  '--secret',
  'A=secret/app#key',
  '--',
  'true',
];
const made = spawnSync(
  process.execPath,
  [
    '-e',
    `const [launcher, bundle, cache, startArgs] = process.argv.slice(1);
     const { script, run } = require(launcher).compileBundle(bundle, '');
     const exit = process.exit;
     process.exit = () => {
       process.exit = exit;
       process.argv = [process.execPath, bundle, ...JSON.parse(startArgs)];
       run();
     };
     process.on('exit', () => require('node:fs').writeFileSync(cache, script.createCachedData()));
     process.argv = [process.execPath, bundle, '--help'];
     run();`,
    `${root}bin/vault-exec`,
    `${root}dist/vault-exec.cjs`,
    codeCache,
    JSON.stringify(startArgs),
  ],
  {
    env: { PATH: process.env.PATH, VAULT_ADDR: 'http://127.0.0.1:9', VAULT_TOKEN: 'code-cache-run' },
    encoding: 'utf8',
  },
);
if (made.status !== 69) throw new Error(`build: the code-cache run exited ${made.status}: ${made.stderr}`);
console.log(`built dist/vault-exec.code-cache (${Math.round(statSync(codeCache).size / 1024)} KiB)`);

// The GitHub Action's entry (action.yml loads it through action/index.cjs); it runs the bundle above.
await build({ ...common, entryPoints: [`${root}src/action/main.ts`], outfile: `${root}dist/action.cjs` });

/**
 * What a dependency requires at load time for a path vault-exec never takes gets a stand-in, for that
 * dependency only: node-vault's https (it only feeds the stubbed axios) and its generated commands
 * (only `request` is used), and commander's child_process (only for executable subcommands). The
 * builtins' stand-ins load the real module on first use.
 */
function standInsWithinDependencies() {
  const standIns = [
    { dependency: 'node-vault', request: /^https$/, stub: 'lazy-https.cjs' },
    { dependency: 'node-vault', request: /^\.\/commands\.js$/, stub: 'no-node-vault-commands.cjs' },
    { dependency: 'commander', request: /^node:child_process$/, stub: 'lazy-child-process.cjs' },
  ];
  return {
    name: 'stand-ins-within-dependencies',
    setup(esbuild) {
      for (const { dependency, request, stub: file } of standIns)
        esbuild.onResolve({ filter: request }, (args) =>
          args.importer.includes(`/node_modules/${dependency}/`) ? { path: stub(file) } : undefined,
        );
    },
  };
}
