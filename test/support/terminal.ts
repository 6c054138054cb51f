// Runs a command inside a real pseudo-terminal, with util-linux `script` as the terminal emulator:
// the command becomes the session leader of a new pty and its foreground process group, exactly as in
// a terminal window. Keys typed with `type()` go through the pty's line discipline, so "\x03" is a
// real Ctrl-C: the kernel sends SIGINT to the whole foreground group.
import { spawn } from 'node:child_process';
import { rememberCliRun } from './leak-scan';
import type { Exit, Running } from './processes';

export interface TerminalSession extends Running {
  /** Writes to the terminal as if typed. */
  type(text: string): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const sessions = new Set<{ pid: number; done: boolean }>();

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** Starts `command` in a new pty; `exited` resolves with the command's own exit code (`script -e`). */
export function startInTerminal(
  command: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): TerminalSession {
  const child = spawn('script', ['-qfec', `exec ${command.map(quote).join(' ')}`, '/dev/null'], {
    env: { ...(options.env ?? process.env), SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('could not start script (is util-linux installed?)');
  const entry = { pid: child.pid, done: false };
  sessions.add(entry);
  let output = '';
  const listeners = new Set<() => void>();
  const notify = (): void => [...listeners].forEach((listener) => listener());
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    notify();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      entry.done = true;
      resolve({ code, signal, stdout: output, stderr: output });
      notify();
    });
  });

  const waitForOutput: Running['waitForOutput'] = (pattern, waitOptions = {}) => {
    const timeoutMs = waitOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const find = (): string | undefined =>
      typeof pattern === 'string'
        ? output.includes(pattern)
          ? pattern
          : undefined
        : output.match(pattern)?.[0];
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found !== undefined || entry.done) {
          clearTimeout(timer);
          listeners.delete(check);
          if (found !== undefined) resolve(found);
          else reject(new Error(`the terminal closed before matching ${String(pattern)}\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${String(pattern)}\n${output}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  };

  const session: TerminalSession = {
    pid: child.pid,
    stdout: () => output,
    stderr: () => output,
    waitForOutput,
    kill: (signal) => child.kill(signal),
    exited,
    // script(1) exits with the command, so its pipes close with it: nothing to wait out here.
    status: exited.then(({ code, signal }) => ({ code, signal })),
    type: (text) => child.stdin.write(text),
  };
  rememberCliRun(session);
  return session;
}

/** Ends every terminal session still open: closing the pty hangs it up, then SIGKILL for stragglers. */
export function closeAllTerminals(): void {
  for (const entry of sessions) {
    if (!entry.done)
      try {
        process.kill(-entry.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
  }
  sessions.clear();
}
