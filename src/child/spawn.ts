import { execa } from 'execa';
import { EXIT } from '../exit-codes';
import { PIPE_DRAIN_GRACE_MS, pipeMaskedOutput, type MaskedOutput } from './masked-output';
import { signalExitCode } from './signals';

export interface SpawnOptions {
  /** --mask: the secret values to replace with *** in the child's stdout and stderr. */
  maskValues?: readonly string[];
}

export interface ChildProcess {
  pid: number | undefined;
  /** False when the child is already gone; never throws. */
  kill(signal: NodeJS.Signals): boolean;
  /** The exit code vault-exec should end with: the child's code, 128+N, or 126/127 when it could not start. */
  done: Promise<{ code: number; spawnError?: string }>;
}

/**
 * Starts the child with the caller's stdio (so TTYs and log drivers behave as without us) and exactly
 * the environment we built. execa's own escalation is off (`forceKillAfterDelay: false`): its default
 * would SIGKILL the child 5 s after a forwarded SIGTERM, whatever --kill-timeout says.
 */
export function spawnChild(
  command: string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): ChildProcess {
  const [file, ...args] = command as [string, ...string[]];
  const subprocess = execa(file, args, {
    // --mask: stdout and stderr become pipes through the masker; stdin stays the caller's.
    stdio: options.maskValues ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    buffer: false,
    env,
    extendEnv: false,
    reject: false,
    forceKillAfterDelay: false,
    cleanup: true,
    windowsHide: true,
  });
  const output = options.maskValues ? pipeMaskedOutput(subprocess, options.maskValues) : undefined;
  const finished = output ? Promise.race([subprocess, exitThenDrain(subprocess, output)]) : subprocess;
  const done = finished.then((result) => {
    if (result.signal) return { code: signalExitCode(result.signal) };
    if (typeof result.exitCode === 'number') return { code: result.exitCode };
    const errorCode = (result as { code?: string }).code;
    if (errorCode === 'ENOENT')
      return {
        code: EXIT.commandNotFound,
        spawnError: `command not found: ${file} (check the name and PATH)`,
      };
    if (errorCode === 'EACCES')
      return {
        code: EXIT.cannotExecute,
        spawnError: `cannot execute ${file}: permission denied (is it executable?)`,
      };
    return {
      code: EXIT.cannotExecute,
      spawnError: `cannot execute ${file}: ${errorCode ?? result.shortMessage}`,
    };
  });
  return {
    pid: subprocess.pid,
    kill: (signal) => {
      try {
        return subprocess.kill(signal);
      } catch {
        return false;
      }
    },
    done,
  };
}

/**
 * execa settles only once the pipes close, which a grandchild holding them can put off forever; the
 * exit code must not wait for that. So: the child's exit, then its output drained or the grace over.
 */
function exitThenDrain(
  subprocess: NodeJS.EventEmitter,
  output: MaskedOutput,
): Promise<{ exitCode?: number; signal?: string; shortMessage?: string }> {
  return new Promise((resolve) => {
    subprocess.once('exit', (code: number | null, signal: string | null) => {
      const grace = setTimeout(() => output.detach(), PIPE_DRAIN_GRACE_MS);
      void output.drained.then(() => {
        clearTimeout(grace);
        resolve({ exitCode: code ?? undefined, signal: signal ?? undefined });
      });
    });
  });
}
