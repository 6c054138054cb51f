// vault-exec and the terminal it shares with the child: --process-group refused on one, and our own
// writes to it dropped while they would stop us (SIGTTOU) or fail under a running child.
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Config } from '../cli/config';
import { UsageError } from '../util/errors';
import { readTerminalPosition } from './job-control';

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

/**
 * Drops what would be written to the stream while that write would stop or hang us (below), and keeps
 * a write error (a hung-up terminal, a closed pipe) from crashing the supervisor of a running child.
 */
export function guardTerminalWrites(stream: NodeJS.WriteStream, fd: number): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!terminalWriteWouldStop(fd)) return write(chunk, ...rest);
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
  stream.on('error', () => {});
}

/**
 * Whether writing to the terminal on `fd` now would make the kernel send us SIGTTOU: our controlling
 * terminal has given its foreground to another group (a child shell with job control took it), `fd`
 * is that terminal, and `stty tostop` is set. We listen for SIGTTOU so it cannot stop us, but Node
 * cannot ignore a signal, and with a listener the kernel restarts the write forever, spinning a core.
 * So such a line is dropped. `stty` is asked only in that rare state (a background group, on Linux).
 */
export function terminalWriteWouldStop(fd: number): boolean {
  if (!isatty(fd)) return false;
  const position = readTerminalPosition();
  if (position === undefined) return false;
  const { processGroup, terminal, foregroundGroup } = position;
  if (!foregroundGroup || foregroundGroup <= 0 || foregroundGroup === processGroup) return false;
  if (fstatSync(fd).rdev !== terminal) return false;
  // node:child_process is loaded only here, on a terminal, not at every start.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const stty = spawnSync('stty', ['-a'], { stdio: [fd, 'pipe', 'ignore'], encoding: 'utf8', timeout: 1_000 });
  // When stty cannot tell us, losing a line is better than a process stuck in write().
  return stty.status !== 0 || /(^|[\s;])tostop([\s;]|$)/.test(stty.stdout);
}
