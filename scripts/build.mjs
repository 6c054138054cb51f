// Bundles src/main.ts and every runtime dependency into one CommonJS file, dist/vault-exec.cjs,
// which runs with nothing but `node` (no node_modules). CommonJS because execa has no top-level
// await, and it is what Node's single-executable builder needs.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
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
  },
  // Executable on its own (`./vault-exec.cjs`), so an image with node can use it as the entrypoint.
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync(`${root}dist/vault-exec.cjs`, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((total, output) => total + output.bytes, 0);
console.log(`built dist/vault-exec.cjs (${Math.round(bytes / 1024)} KiB)`);

// The GitHub Action's entry (action.yml loads it through action/index.cjs); it runs the bundle above.
await build({ ...common, entryPoints: [`${root}src/action/main.ts`], outfile: `${root}dist/action.cjs` });
