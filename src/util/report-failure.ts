// The last line of every failed run: an expected error's one line and exit code, or a stack and 70.
import { VaultExecError } from './errors';
import { EXIT } from './exit-codes';
import type { Logger } from './log';

export function reportFailure(error: unknown, log: Logger): number {
  if (error instanceof VaultExecError) {
    log.error(error.message, { event: 'failure', exitCode: error.exitCode });
    return error.exitCode;
  }
  log.error(`internal error, please report it: ${(error as Error)?.stack ?? String(error)}`);
  return EXIT.internal;
}
