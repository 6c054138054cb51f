// Bundles src/main.ts and every runtime dependency into one CommonJS file, dist/vault-exec.cjs,
// which runs with nothing but `node` (no node_modules). CommonJS because execa has no top-level
// await, and it is what Node's single-executable builder needs.
//
// Beside it: dist/vault-exec, the launcher (a copy of bin/vault-exec, for images), and
// dist/vault-exec.code-cache, V8's code cache for the bundle, made from real runs of it on this Node,
// and dist/vault-exec.answers, the bundle's own output for a lone --version or --help.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { recordCliAnswers } from './cli-answers.mjs';
import { makeCodeCache } from './code-cache.mjs';

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
  plugins: [standInsWithinDependencies(), await compiledOnFirstUse(['yaml', 'execa'])],
  // Executable on its own (`./vault-exec.cjs`), so an image with node can use it as the entrypoint.
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync(`${root}dist/vault-exec.cjs`, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((total, output) => total + output.bytes, 0);
console.log(`built dist/vault-exec.cjs (${Math.round(bytes / 1024)} KiB)`);

// The launcher, and the code cache it compiles the bundle with (scripts/code-cache.mjs says how).
copyFileSync(`${root}bin/vault-exec`, `${root}dist/vault-exec`);
chmodSync(`${root}dist/vault-exec`, 0o755);
const codeCache = `${root}dist/vault-exec.code-cache`;
const how = await makeCodeCache({
  root,
  launcher: `${root}bin/vault-exec`,
  bundle: `${root}dist/vault-exec.cjs`,
  output: codeCache,
});
console.log(
  `built dist/vault-exec.code-cache (${Math.round(statSync(codeCache).size / 1024)} KiB, from ${how})`,
);

// --version and --help as the bundle answers them, for the launcher to print without compiling it.
recordCliAnswers({ bundle: `${root}dist/vault-exec.cjs`, output: `${root}dist/vault-exec.answers` });

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

/**
 * yaml (a project file) and execa (--mask) are about half the bundle, yet a container start uses
 * neither. Each is bundled on its own and goes into the bundle as a string, which V8 compiles only when
 * a run first requires it. As code, they cost every start 1.5 ms (reading, and their share of the code
 * cache); as a string, 0.2 ms. The bundle stays one file that runs with nothing but node.
 */
async function compiledOnFirstUse(names) {
  const sources = new Map();
  for (const name of names) {
    const { outputFiles } = await build({
      ...common,
      stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root },
      write: false,
    });
    sources.set(name, outputFiles[0].text);
  }
  return {
    name: 'compiled-on-first-use',
    setup(esbuild) {
      const filter = new RegExp(`^(${names.join('|')})$`);
      esbuild.onResolve({ filter }, (args) =>
        args.importer.includes('/node_modules/') ? undefined : { path: args.path, namespace: 'first-use' },
      );
      // esbuild wraps this module in a function run at the first require: the string is not even
      // parsed before then. vm, not new Function: it compiles under --disallow-code-generation-from-strings
      // (which NODE_OPTIONS may carry), and stack traces name the module.
      esbuild.onLoad({ filter: /.*/, namespace: 'first-use' }, (args) => ({
        contents: `const loaded = { exports: {} };
require('node:vm').compileFunction(${JSON.stringify(sources.get(args.path))}, ['exports', 'require', 'module'], {
  filename: ${JSON.stringify(`vault-exec/${args.path}.cjs`)},
})(loaded.exports, require, loaded);
module.exports = loaded.exports;`,
        loader: 'js',
      }));
    },
  };
}
