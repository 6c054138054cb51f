// Starts the child, with the kill escalation and the clean-up on exit left to us rather than execa, and
// turns how it ended into vault-exec's exit code: its own, 128+N for signal N, 126/127 if it never ran.
import type { ChildProcess as NodeChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  let started: Started;
  try {
    started = startSubprocess(file, args, env, options);
  } catch (error) {
    return neverStarted(file, options, error);
  }
  return superviseSubprocess(started, file, options);
}

/** A started child and how it ended, as execa reports it with `reject: false`. */
interface Started {
  /** Undefined when Node refused to start it at once (it threw an errno error). */
  child: NodeChildProcess | undefined;
  ended: Promise<Outcome>;
}

interface Outcome {
  exitCode?: number;
  signal?: string;
  code?: string;
  shortMessage?: string;
}

/**
 * --mask: stdout and stderr become pipes through the masker (execa's streams); stdin stays the
 * caller's. Without it the child inherits our stdio and Node's own spawn is all it takes: execa is
 * loaded only for --mask, so an ordinary start does not pay for evaluating it.
 */
function startSubprocess(
  file: string,
  args: string[],
  env: Record<string, string>,
  options: SpawnOptions,
): Started {
  const shared = {
    env,
    detached: options.processGroup,
    windowsHide: true,
    ...(options.identity && { uid: options.identity.uid, gid: options.identity.gid }),
  };
  if (!options.maskValues) return spawnInheriting(file, args, shared);
  const { execa } = require('execa') as typeof import('execa');
  const subprocess = execa(file, args, {
    ...shared,
    stdio: ['inherit', 'pipe', 'pipe'],
    buffer: false,
    extendEnv: false,
    reject: false,
    forceKillAfterDelay: false,
    cleanup: false,
  });
  return { child: subprocess, ended: subprocess.then((result) => result as Outcome) };
}

/**
 * node:child_process.spawn with the caller's stdio, settling like execa with `reject: false`: with how
 * the child ended, or with the error code (ENOENT, EACCES, EPERM) when it never started, whether Node
 * emits it or throws it. Anything else thrown (not an errno error) is left to neverStarted.
 */
function spawnInheriting(
  file: string,
  args: string[],
  options: {
    env: Record<string, string>;
    detached: boolean;
    windowsHide: boolean;
    uid?: number;
    gid?: number;
  },
): Started {
  let child: NodeChildProcess;
  try {
    // Loaded here, at the spawn: --version, --help and a start that fails before it never need it.
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    child = spawn(file, args, { ...options, stdio: 'inherit' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    return { child: undefined, ended: Promise.resolve({ code, shortMessage: (error as Error).message }) };
  }
  const ended = new Promise<Outcome>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: error.code, shortMessage: error.message }),
    );
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }),
    );
  });
  return { child, ended };
}

function superviseSubprocess(
  { child: subprocess, ended }: Started,
  file: string,
  options: SpawnOptions,
): ChildProcess {
  const pid = subprocess?.pid;
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
    if (subprocess!.exitCode !== null || subprocess!.signalCode !== null) {
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

  const output =
    options.maskValues && subprocess
      ? pipeMaskedOutput(
          { stdout: subprocess.stdout!, stderr: subprocess.stderr!, kill: signal },
          options.maskValues,
        )
      : undefined;
  const finished = output ? Promise.race([ended, exitThenDrain(subprocess!, output)]) : ended;
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
