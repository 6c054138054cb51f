import { execa } from 'execa';
import { EXIT } from '../exit-codes';
import { signalExitCode } from './signals';

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
  /** --user: libuv then also calls setgroups(0, NULL), so the child keeps no supplementary group. */
  identity?: { uid: number; gid: number },
): ChildProcess {
  const [file, ...args] = command as [string, ...string[]];
  const subprocess = execa(file, args, {
    stdio: 'inherit',
    env,
    extendEnv: false,
    reject: false,
    forceKillAfterDelay: false,
    cleanup: true,
    windowsHide: true,
    ...(identity && { uid: identity.uid, gid: identity.gid }),
  });
  const done = subprocess.then((result) => {
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
