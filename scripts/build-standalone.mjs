// Builds dist/vault-exec-linux-x64: the bundle compiled with Bun into one executable for images
// without Node, such as python:3.12-slim (glibc only, no libstdc++). scripts/standalone.mjs says why
// Bun and how; `npm run release` builds the other platforms (arm64, musl) the same way.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { compileStandalone, root } from './standalone.mjs';

if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(
    `build-standalone: needs linux/x64 to run Bun's compiler (this is ${process.platform}/${process.arch})`,
  );
}
const started = Date.now();
const output = join(root, 'dist/vault-exec-linux-x64');
compileStandalone('linux-x64', output);
// Proves it is self-contained: no PATH, no environment at all.
const version = execFileSync(output, ['--version'], { env: {}, encoding: 'utf8' }).trim();
const mib = (statSync(output).size / 2 ** 20).toFixed(1);
console.log(
  `build-standalone: built dist/vault-exec-linux-x64 (${mib} MiB, "${version}") in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
