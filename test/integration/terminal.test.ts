// Terminal mode, through a real pseudo-terminal (test/support/terminal.ts): the child shares the
// terminal's foreground group, so Ctrl-C reaches it from the kernel, and vault-exec must not send it
// a second one nor start the kill timer for it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv, provisionApp, type AppCredentials } from '../support/app-role';
import { cliCommand, fixture, isPidAlive, waitFor } from '../support/processes';
import { closeAllTerminals, startInTerminal, type TerminalSession } from '../support/terminal';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
// The interpreter itself, not a version manager's shim (which needs the HOME that tests take away).
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).trim();
beforeAll(async () => {
  app = await provisionApp(vault(), { readPaths: [] });
});
afterEach(() => closeAllTerminals());

const inTerminal = (args: string[], extraEnv: Record<string, string> = {}) =>
  startInTerminal([...cliCommand, ...args], { env: cliEnv(vault(), app, extraEnv) });
const parentOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};
const count = (text: string, needle: string) => text.split(needle).length - 1;
/** Asleep in the kernel waiting for the terminal (select/poll or a tty read), not still on its way there. */
const isWaitingForInput = (pid: number): boolean => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
  return state === 'S' && /poll|select|wait_woken|n_tty_read/.test(wchan);
};
/** vault-exec's pid in the pty, found as the parent of the child that printed `PID n`. */
async function vaultExecPid(session: TerminalSession): Promise<number> {
  const line = await session.waitForOutput(/PID (\d+)/);
  return parentOf(Number(line.split(' ')[1]));
}

describe('terminal mode', () => {
  test('Ctrl-C reaches a child that survives SIGINT exactly once, and SIGTERM still stops it', async () => {
    const session = inTerminal(['--kill-timeout', '1s', '--', 'node', fixture('ready-then-wait.mjs')], {
      KEEP_RUNNING_ON: 'SIGINT',
    });
    const pid = await vaultExecPid(session);
    await session.waitForOutput('READY');

    // Node cannot tell who sent a signal: a SIGINT from another process is taken for the terminal's.
    process.kill(pid, 'SIGINT');
    process.kill(pid, 'SIGUSR2');
    await session.waitForOutput('SIGNAL SIGUSR2');
    expect(count(session.stdout(), 'SIGNAL SIGINT')).toBe(0);

    session.type('\x03');
    await session.waitForOutput('SIGNAL SIGINT');
    // A forwarded duplicate would come before this SIGUSR1, which vault-exec handles after the SIGINT.
    process.kill(pid, 'SIGUSR1');
    await session.waitForOutput('SIGNAL SIGUSR1');
    expect(count(session.stdout(), 'SIGNAL SIGINT')).toBe(1);
    expect(isPidAlive(pid)).toBe(true);

    process.kill(pid, 'SIGTERM');
    const exit = await session.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).not.toContain('kill timeout');
  });

  test('python3 -i survives Ctrl-C and prints one KeyboardInterrupt', async () => {
    const startup = join(mkdtempSync(join(tmpdir(), 'vault-exec-pystartup-')), 'startup.py');
    writeFileSync(startup, 'import os\nprint("PID", os.getpid(), flush=True)\n');
    const session = inTerminal(['--kill-timeout', '2s', '--', python, '-i', '-q'], {
      PYTHONSTARTUP: startup,
    });
    const replPid = Number((await session.waitForOutput(/PID (\d+)/)).split(' ')[1]);
    await session.waitForOutput('>>> ', { timeoutMs: 20_000 });
    // Python prints the prompt before it starts waiting for a key, and a SIGINT that lands in
    // between is only noticed at the next key (CPython's readline loop): wait until it really waits.
    await waitFor(() => isWaitingForInput(replPid), { message: 'python never waited for input' });
    session.type('\x03');
    await session.waitForOutput('KeyboardInterrupt');
    session.type('print("AFTER", 6 * 7)\r');
    await session.waitForOutput('AFTER 42');
    expect(count(session.stdout(), 'KeyboardInterrupt')).toBe(1);
    session.type('raise SystemExit(5)\r');
    const exit = await session.exited;
    expect(exit.code).toBe(5);
    expect(exit.stdout).not.toContain('SIGKILL');
  });

  // With stdin redirected vault-exec is not in terminal mode, but it is still the shell's foreground
  // job: the terminal's Ctrl-Z reaches both, and the shell waits until the whole job has stopped.
  test.each([
    ['stdin on the terminal', ''],
    ['stdin redirected', ' < /dev/null'],
  ])('Ctrl-Z stops vault-exec with the child, and fg resumes both (%s)', async (_name, redirect) => {
    const stateOf = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.charAt(stat.lastIndexOf(')') + 2);
    };
    const child = [
      'import os, signal',
      'signal.signal(signal.SIGCONT, lambda *_: print("CONTINUED", flush=True))',
      'print("PID", os.getpid(), flush=True)',
      'print("READY", flush=True)',
      'while True: signal.pause()',
    ].join('\n');
    // A job-control shell in the terminal, as a developer would have; the command comes from its env.
    const session = startInTerminal(['bash', '--norc', '--noprofile', '-i'], {
      env: {
        ...cliEnv(vault(), app),
        PS1: '$ ',
        // Split by the shell on spaces: the paths of the bundle, a Node or a binary have none here.
        VAULT_EXEC: cliCommand.join(' '),
        PY: python,
        CODE: child,
      },
    });
    session.type(`$VAULT_EXEC -- "$PY" -c "$CODE"${redirect}\r`);
    const childPid = Number((await session.waitForOutput(/PID (\d+)/)).split(' ')[1]);
    const pid = parentOf(childPid);
    await session.waitForOutput('READY');
    session.type('\x1a');
    await session.waitForOutput(/Stopped/);
    await waitFor(() => stateOf(pid) === 'T' && stateOf(childPid) === 'T', {
      message: 'vault-exec and the child did not both stop',
    });
    session.type('fg\r');
    await session.waitForOutput('CONTINUED');
    await waitFor(() => stateOf(pid) !== 'T' && stateOf(childPid) !== 'T');
    process.kill(pid, 'SIGTERM');
    await session.waitForOutput(/\$ $/);
    session.type('echo "STATUS $?"; exit\r');
    await session.waitForOutput('STATUS 143');
    await session.exited;
  });

  test('--process-group is refused with one usage line and exit 64', async () => {
    for (const [args, env] of [
      [['--process-group', '--', 'true'], {}],
      [['--', 'true'], { VAULT_EXEC_PROCESS_GROUP: '1' }],
    ] as const) {
      const exit = await inTerminal([...args], env).exited;
      expect(exit.code).toBe(64);
      expect(exit.stdout).toContain(
        'vault-exec: --process-group cannot be used when stdin is a terminal (the child would lose Ctrl-C and job control): drop it, or redirect stdin',
      );
    }
  });

  test('a log line while the child owns the terminal with tostop set does not hang vault-exec', async () => {
    // The child takes the terminal as a job-control shell would; vault-exec is left in the background,
    // where writing to the terminal with `stty tostop` raises SIGTTOU (and for a caught one, spins).
    const takeTerminal = [
      'import os, signal, sys',
      'signal.signal(signal.SIGTTOU, signal.SIG_IGN)',
      'os.setpgid(0, 0)',
      'os.tcsetpgrp(0, os.getpgrp())',
      'signal.signal(signal.SIGUSR1, lambda *_: print("GOT SIGUSR1", flush=True))',
      'signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))',
      'print("PID", os.getpid(), flush=True)',
      'print("FOREGROUND", flush=True)',
      'while True: signal.pause()',
    ].join('\n');
    const session = startInTerminal(
      ['sh', '-c', 'stty tostop; exec "$@"', 'sh', ...cliCommand, '--', python, '-c', takeTerminal],
      { env: cliEnv(vault(), app) },
    );
    const pid = await vaultExecPid(session);
    await session.waitForOutput('FOREGROUND');
    // At debug level, forwarding SIGUSR1 writes a log line: the write that would stop or spin.
    process.kill(pid, 'SIGUSR1');
    await session.waitForOutput('GOT SIGUSR1');
    process.kill(pid, 'SIGTERM');
    const exit = await session.exited;
    expect(exit.code, exit.stdout).toBe(3);
    await waitFor(() => !isPidAlive(pid));
  });
});
