// Makes dist/vault-exec.answers: what the bundle prints and exits with for `--version`, `-V`, `--help`
// and `-h` alone, recorded by running that bundle, so the launcher (bin/vault-exec) can answer them
// without compiling it. Run with stdout a pipe, as the launcher answers only when stdout is no
// terminal (the one thing --help's text depends on: commander wraps it to a terminal's width), and with
// an environment of PATH alone, so nothing of the build's own environment is recorded.
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';

export const ANSWERED = ['--version', '-V', '--help', '-h'];

export function recordCliAnswers({ bundle, output }) {
  const answers = {};
  for (const word of ANSWERED) {
    const result = spawnSync(process.execPath, [bundle, word], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    // Only a clean answer is worth recording: anything on stderr and the bundle answers it itself.
    if (result.status === null || result.stderr !== '')
      throw new Error(`cli answers: ${word} exited ${result.status}: ${result.stderr}`);
    answers[word] = { stdout: result.stdout, code: result.status };
  }
  // The bundle's size ties the record to it, as the code cache's source length ties that to it.
  writeFileSync(output, `${JSON.stringify({ bundleBytes: statSync(bundle).size, answers })}\n`);
}
