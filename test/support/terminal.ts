// Runs a command under a real pseudo-terminal, with util-linux `script`: the command's stdin, stdout
// and stderr are the pty, exactly as in an interactive shell. Output comes back with "\r\n" endings.
import { spawn } from 'node:child_process';

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed, line endings turned back into "\n". */
  screen: string;
}

const shellQuote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

export function runInTerminal(
  argv: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<TerminalRun> {
  return new Promise((resolve, reject) => {
    // -e: script exits with the command's code; -q: no "Script started" banner; /dev/null: no typescript file.
    const child = spawn('script', ['-q', '-e', '-c', argv.map(shellQuote).join(' '), '/dev/null'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running under script after ${timeoutMs}ms:\n${screen}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: screen.replaceAll('\r\n', '\n') });
    });
  });
}
