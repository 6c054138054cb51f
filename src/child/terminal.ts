import type { Config } from '../config';
import { UsageError } from '../errors';

/**
 * --process-group starts the child in a new session (Node's `detached`), which has no controlling
 * terminal: Ctrl-C, Ctrl-Z and window resizes would never reach it, and it would read the terminal in
 * competition with the shell. So the option and a terminal on stdin exclude each other.
 */
export function refuseProcessGroupOnTerminal(config: Pick<Config, 'processGroup'>, terminal: boolean): void {
  if (config.processGroup && terminal)
    throw new UsageError(
      '--process-group cannot be used when stdin is a terminal (the child would lose Ctrl-C and job control): drop it, or redirect stdin',
    );
}
