// Checks the child-process fixtures and the process helpers by running the fixtures directly with node.
import { afterEach, describe, expect, it } from 'vitest';
import {
  fixture,
  isPidAlive,
  killAllStarted,
  runNode,
  startNode,
  waitFor,
  waitForExit,
} from '../support/processes';

afterEach(() => {
  killAllStarted();
});

describe('child fixtures', () => {
  it('ready-then-wait reports its pid, becomes ready and prints a line for each signal it receives', async () => {
    const child = startNode([fixture('ready-then-wait.mjs')]);
    await child.waitForOutput('READY');
    expect(child.stdout()).toContain(`PID ${child.pid}\n`);

    for (const signal of ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const) {
      child.kill(signal);
      await child.waitForOutput(`SIGNAL ${signal}\n`);
    }
    expect(isPidAlive(child.pid)).toBe(true);

    child.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.stdout).toMatch(/SIGNAL SIGTERM\n$/);
  });

  it('ready-then-wait exits with EXIT_ON_TERM after SIGINT', async () => {
    const child = startNode([fixture('ready-then-wait.mjs')], {
      env: { ...process.env, EXIT_ON_TERM: '42' },
    });
    await child.waitForOutput('READY');

    child.kill('SIGINT');

    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 42, signal: null });
    expect(exit.stdout).toContain('SIGNAL SIGINT\n');
  });

  it('ignore-sigterm survives SIGTERM and SIGINT and only dies to SIGKILL', async () => {
    const child = startNode([fixture('ignore-sigterm.mjs')]);
    await child.waitForOutput(/PID \d+\nREADY\n/);

    child.kill('SIGTERM');
    await child.waitForOutput('IGNORED SIGTERM');
    child.kill('SIGINT');
    await child.waitForOutput('IGNORED SIGINT');
    expect(isPidAlive(child.pid)).toBe(true);

    child.kill('SIGKILL');
    expect(await child.exited).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('exit-with exits with the given code', async () => {
    expect(await runNode([fixture('exit-with.mjs'), '3'])).toMatchObject({ code: 3, signal: null });
    expect(await runNode([fixture('exit-with.mjs')])).toMatchObject({ code: 0, signal: null });
  });

  it.each(['SIGTERM', 'SIGSEGV', 'SIGABRT', 'SIGPIPE'] as const)(
    'exit-with %s dies of that signal',
    async (signal) => {
      expect(await runNode([fixture('exit-with.mjs'), signal])).toMatchObject({ code: null, signal });
    },
  );

  it('print-env prints the environment it was given as one JSON line', async () => {
    const exit = await runNode([fixture('print-env.mjs')], { env: { SECRET_A: 'a b "c"', EMPTY: '' } });

    expect(exit.code).toBe(0);
    const line = /^ENV (.*)$/m.exec(exit.stdout)?.[1];
    expect(JSON.parse(line ?? 'null')).toMatchObject({ SECRET_A: 'a b "c"', EMPTY: '' });
  });

  it('print-env with --wait stays up after printing until SIGTERM', async () => {
    const child = startNode([fixture('print-env.mjs'), '--wait'], { env: { ONLY: '1' } });
    await child.waitForOutput('READY');
    expect(child.stdout()).toMatch(/^ENV \{.*"ONLY":"1".*\}\nREADY\n$/);
    expect(isPidAlive(child.pid)).toBe(true);

    child.kill('SIGTERM');
    expect(await child.exited).toMatchObject({ code: 0, signal: null });
  });

  it('fork-grandchild leaves its grandchild running after it exits on SIGTERM', async () => {
    const child = startNode([fixture('fork-grandchild.mjs')]);
    await child.waitForOutput('READY');
    const grandchild = Number(/GRANDCHILD (\d+)/.exec(child.stdout())?.[1]);
    expect(isPidAlive(grandchild)).toBe(true);

    child.kill('SIGTERM');
    expect(await child.exited).toMatchObject({ code: 0, signal: null });
    expect(isPidAlive(grandchild)).toBe(true);

    // The grandchild shares the child's process group, so cleanup reaches it too.
    killAllStarted();
    await waitFor(() => !isPidAlive(grandchild), {
      message: `grandchild ${grandchild} survived killAllStarted`,
    });
  });
});

describe('process helpers', () => {
  it('waitForOutput rejects with both streams when the deadline passes', async () => {
    const child = startNode([
      '-e',
      'process.stderr.write("oops\\n"); process.stdout.write("hello\\n"); setInterval(() => {}, 1000)',
    ]);
    await child.waitForOutput('oops', { stream: 'stderr' });

    const failure = child.waitForOutput('never printed', { timeoutMs: 200 });
    await expect(failure).rejects.toThrow(/timed out after 200ms[\s\S]*hello[\s\S]*oops/);
  });

  it('waitForOutput fails as soon as the process exits without a match', async () => {
    const child = startNode(['-e', 'process.stdout.write("bye\\n")']);

    await expect(child.waitForOutput('never printed', { timeoutMs: 20_000 })).rejects.toThrow(
      /exited before stdout matched/,
    );
  });

  it('waitForOutput returns the matched text of a regular expression', async () => {
    const child = startNode([fixture('ready-then-wait.mjs')]);

    expect(await child.waitForOutput(/PID (\d+)/)).toBe(`PID ${child.pid}`);
  });

  it('waitForExit kills a process that outlives its timeout and rejects with its output', async () => {
    // Ready first, so the deadline can be short and the output is sure to hold the READY line.
    const child = startNode([fixture('ignore-sigterm.mjs')]);
    await child.waitForOutput('READY');
    await expect(waitForExit(child, 200)).rejects.toThrow(/still running after 200ms[\s\S]*READY/);
    expect((await child.exited).signal).toBe('SIGKILL');
  });

  it('waitFor rejects with the given message when the condition never holds', async () => {
    await expect(waitFor(() => false, { timeoutMs: 100, message: 'never true' })).rejects.toThrow(
      'never true',
    );
  });

  it('isPidAlive is false for a process that has exited', async () => {
    const exit = startNode([fixture('exit-with.mjs'), '0']);
    await exit.exited;

    expect(isPidAlive(exit.pid)).toBe(false);
    expect(isPidAlive(process.pid)).toBe(true);
  });
});
