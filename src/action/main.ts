// The GitHub Action's entry (dist/action.cjs, loaded by action/index.cjs): translates the inputs and
// runs the vault-exec bundle next to it once, as `vault-exec env --format github`, with the runner's
// Node. vault-exec prints the ::add-mask:: lines and writes $GITHUB_ENV; its exit code is the step's.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { VaultExecError } from '../util/errors';
import { EXIT } from '../util/exit-codes';
import { translateInputs } from './inputs';

function main(): number {
  let run;
  try {
    run = translateInputs(process.env);
  } catch (error) {
    if (!(error instanceof VaultExecError)) throw error;
    // The runner shows ::error:: lines as annotations on the job.
    process.stdout.write(`::error title=vault-exec::${error.message}\n`);
    return error.exitCode;
  }
  const result = spawnSync(process.execPath, [join(__dirname, 'vault-exec.cjs'), ...run.args], {
    env: run.env,
    stdio: 'inherit',
  });
  if (result.error) {
    process.stdout.write(`::error title=vault-exec::cannot start vault-exec: ${result.error.message}\n`);
    return EXIT.internal;
  }
  if (result.status !== 0)
    process.stdout.write(
      `::error title=vault-exec::vault-exec env failed with exit code ${result.status ?? result.signal}; its last line above says why\n`,
    );
  return result.status ?? EXIT.internal;
}

process.exitCode = main();
