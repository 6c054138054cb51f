// Starts the child, with the kill escalation and the clean-up on exit left to us rather than execa, and
// turns how it ended into vault-exec's exit code: its own, 128+N for signal N, 126/127 if it never ran.
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { EXIT } from '../util/exit-codes';
import { PIPE_DRAIN_GRACE_MS, pipeMaskedOutput, type MaskedOutput } from './masked-pipes';
import { signalExitCode } from './signals';

export interface ChildProcess {
  pid: number | undefined;
  /**
   * False when the child has already exited (even if not yet reaped), so the signal cannot reach it.
   * With a process group, the rest of the group still gets it then.
   */
  kill(signal: NodeJS.Signals): boolean;
  /** With a process group: whether any member (the leader, a grandchild) is still there. */
  groupAlive?: () => boolean;
  /** The exit code vault-exec should end with: the child's code, 128+N, or 126/127 when it could not start. */
  done: Promise<{ code: number; spawnError?: string }>;
}

export interface SpawnOptions {
  /** The child leads a new session and process group, and kill() signals the whole group. */
  processGroup: boolean;
  /** --user: libuv then also calls setgroups(0, NULL), so the child keeps no supplementary group. */
  identity?: { uid: number; gid: number };
  /** --mask: the secret values to replace with *** in the child's stdout and stderr. */
  maskValues?: readonly string[];
}

/**
 * Starts the child with the caller's stdio (so TTYs and log drivers behave as without us) and exactly
 * the environment we built. Two execa defaults are off because they act behind the supervisor's back:
 * `forceKillAfterDelay` would SIGKILL the child 5 s after a forwarded SIGTERM, whatever --kill-timeout
 * says, and `cleanup` (signal-exit) listens for a dozen signals we forward, SIGTERMs the child and
 * re-raises, so vault-exec would die at once on SIGPWR or SIGALRM.
 */
export function spawnChild(
  command: string[],
  env: Record<string, string>,
  options: SpawnOptions = { processGroup: false },
): ChildProcess {
  const [file, ...args] = command as [string, ...string[]];
  let subprocess: ReturnType<typeof execa>;
  try {
    subprocess = startSubprocess(file, args, env, options);
  } catch (error) {
    return neverStarted(file, options, error);
  }
  return superviseSubprocess(subprocess, file, options);
}

function startSubprocess(
  file: string,
  args: string[],
  env: Record<string, string>,
  options: SpawnOptions,
): ReturnType<typeof execa> {
  return execa(file, args, {
    // --mask: stdout and stderr become pipes through the masker; stdin stays the caller's.
    stdio: options.maskValues ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    buffer: false,
    env,
    extendEnv: false,
    reject: false,
    forceKillAfterDelay: false,
    cleanup: false,
    detached: options.processGroup,
    windowsHide: true,
    ...(options.identity && { uid: options.identity.uid, gid: options.identity.gid }),
  });
}

function superviseSubprocess(
  subprocess: ReturnType<typeof execa>,
  file: string,
  options: SpawnOptions,
): ChildProcess {
  const pid = subprocess.pid;
  // Our clean-up instead of signal-exit's: only if vault-exec itself ends (an internal error) while the
  // child still runs, so the child is not left behind without a supervisor.
  const stopOnExit = (): void => void signal('SIGTERM');
  process.once('exit', stopOnExit);

  const groupAlive = (): boolean => {
    try {
      process.kill(-pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (name: NodeJS.Signals): boolean => {
    if (pid === undefined) return false;
    if (subprocess.exitCode !== null || subprocess.signalCode !== null) {
      // Once reaped, the pid may already belong to someone else: never signal it again. A group id
      // stays reserved while any member lives, so what is left of the group can still be signalled.
      if (options.processGroup && groupAlive())
        try {
          process.kill(-pid, name);
        } catch {
          // Gone in between.
        }
      return false;
    }
    const reachesChild = !isZombie(pid);
    try {
      // The group can outlive its leader's exit (a grandchild), and still gets the signal then.
      if (options.processGroup) process.kill(-pid, name);
      else if (reachesChild) process.kill(pid, name);
    } catch {
      return false;
    }
    return reachesChild;
  };

  const output = options.maskValues
    ? pipeMaskedOutput(
        { stdout: subprocess.stdout, stderr: subprocess.stderr, kill: signal },
        options.maskValues,
      )
    : undefined;
  const finished = output ? Promise.race([subprocess, exitThenDrain(subprocess, output)]) : subprocess;
  const done = finished.then((result) => {
    process.removeListener('exit', stopOnExit);
    if (result.signal) return { code: signalExitCode(result.signal) };
    if (typeof result.exitCode === 'number') return { code: result.exitCode };
    const errorCode = (result as { code?: string }).code;
    if (errorCode === 'ENOENT')
      return {
        code: EXIT.commandNotFound,
        spawnError: `command not found: ${file} (check the name and PATH)`,
      };
    if (errorCode === 'EPERM' && options.identity)
      return { code: EXIT.cannotExecute, spawnError: userRefused(file, options.identity) };
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
  return { pid, kill: signal, done, ...(options.processGroup && pid !== undefined && { groupAlive }) };
}

function userRefused(file: string, identity: { uid: number; gid: number }): string {
  return `cannot start ${file} as uid ${identity.uid}, gid ${identity.gid}: changing the user was refused (EPERM); --user needs the CAP_SETUID and CAP_SETGID capabilities: keep them in the container, or drop --user`;
}

/**
 * execa reports a spawn the kernel refuses at once through a stand-in child, which Bun (the standalone
 * binary's runtime) cannot build: its ChildProcess has read-only stdio, so execa throws a TypeError and
 * the spawn's own error is lost. The one such refusal vault-exec causes is --user without the
 * capabilities to change user; that is read from /proc, anything else is said as it came.
 */
function neverStarted(file: string, options: SpawnOptions, error: unknown): ChildProcess {
  const spawnError =
    options.identity && lacksUserCapabilities()
      ? userRefused(file, options.identity)
      : `cannot execute ${file}: ${(error as Error)?.message ?? String(error)}`;
  return {
    pid: undefined,
    kill: () => false,
    done: Promise.resolve({ code: EXIT.cannotExecute, spawnError }),
  };
}

/** CAP_SETGID (6) or CAP_SETUID (7) missing from this process's effective capabilities. */
function lacksUserCapabilities(): boolean {
  try {
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return effective !== undefined && (BigInt(`0x${effective}`) & 0xc0n) !== 0xc0n;
  } catch {
    return false;
  }
}

/**
 * A child that exited but is not reaped yet is a zombie, and kill(2) on a zombie "succeeds" although
 * nothing receives the signal; /proc tells the two apart (without /proc, we cannot, and assume alive).
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
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
