import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { ChildProcess, SpawnOptions } from '../../../src/child/spawn';
import { createSupervisor } from '../../../src/child/supervisor-shell';
import { createLogger } from '../../../src/util/log';

/** A stand-in for the spawned child: it records signals and exits when the test says so. */
interface FakeChild extends ChildProcess {
  signals: string[];
  /** Whether kill() reaches it; false models a child that exited but is not yet reported. */
  alive: boolean;
  exit(code: number): Promise<void>;
}

function fakeChild(pid: number): FakeChild {
  let finish!: (result: { code: number }) => void;
  const child: FakeChild = {
    pid,
    signals: [],
    alive: true,
    kill(signal) {
      if (!child.alive) return false;
      child.signals.push(signal);
      return true;
    },
    done: new Promise((resolve) => (finish = resolve)),
    async exit(code) {
      child.alive = false;
      finish({ code });
      // Let the shell's `done.then` run.
      await Promise.resolve();
      await Promise.resolve();
    },
  };
  return child;
}

function setUp(options: { terminal?: boolean; processGroup?: boolean; killTimeoutMs?: number } = {}) {
  const lines: string[] = [];
  const children: FakeChild[] = [];
  const spawnOptions: SpawnOptions[] = [];
  const respawns = vi.fn();
  const supervisor = createSupervisor({
    killTimeoutMs: options.killTimeoutMs ?? 1_000,
    log: createLogger({ level: 'debug', format: 'text', write: (line) => lines.push(line) }),
    terminal: options.terminal,
    processGroup: options.processGroup,
    onRespawn: respawns,
    spawn: (_command, _env, spawnOptionsGiven) => {
      spawnOptions.push(spawnOptionsGiven);
      const child = fakeChild(100 + children.length);
      children.push(child);
      return child;
    },
  });
  let code: number | undefined;
  void supervisor.exited.then((value) => (code = value));
  return { supervisor, children, respawns, lines, spawnOptions, code: () => code };
}

beforeEach(() => {
  vi.useFakeTimers();
});
/** Lets the promise callbacks between a resolved poll and the exit code run. */
const settle = async () => {
  for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
};
afterEach(() => {
  vi.useRealTimers();
});

describe('the supervisor shell', () => {
  test("forwards a signal to the child and ends with the child's code", async () => {
    const { supervisor, children, code } = setUp();
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'signal', signal: 'SIGPWR' });
    expect(children[0]!.signals).toEqual(['SIGPWR']);
    await children[0]!.exit(4);
    expect(code()).toBe(4);
  });

  test('passes --process-group to the spawn', () => {
    const { supervisor, spawnOptions } = setUp({ processGroup: true });
    supervisor.start(['app'], {});
    expect(spawnOptions).toEqual([{ processGroup: true }]);
  });

  test('sends SIGKILL when the child outlives the kill timeout after SIGTERM', async () => {
    const { supervisor, children, code, lines } = setUp({ killTimeoutMs: 3_000 });
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'signal', signal: 'SIGTERM' });
    vi.advanceTimersByTime(2_999);
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    vi.advanceTimersByTime(1);
    expect(children[0]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(lines.join('')).toContain('sending SIGKILL');
    await children[0]!.exit(137);
    expect(code()).toBe(137);
  });

  test('a child that exits in time clears the kill timer', async () => {
    const { supervisor, children } = setUp();
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'signal', signal: 'SIGTERM' });
    await children[0]!.exit(0);
    vi.advanceTimersByTime(10_000);
    expect(children[0]!.signals).toEqual(['SIGTERM']);
  });

  test('in terminal mode Ctrl-C is not sent again and arms no kill timer', async () => {
    const { supervisor, children, code } = setUp({ terminal: true });
    supervisor.start(['python3', '-i'], {});
    supervisor.dispatch({ type: 'signal', signal: 'SIGINT' });
    vi.advanceTimersByTime(60_000);
    expect(children[0]!.signals).toEqual([]);
    expect(supervisor.phase).toBe('running');
    supervisor.dispatch({ type: 'signal', signal: 'SIGTERM' });
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    await children[0]!.exit(0);
    expect(code()).toBe(0);
  });

  test('a restart stops the old child, asks for the next one, and starts it', async () => {
    const { supervisor, children, respawns } = setUp();
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'restart-requested', reason: 'rotation' });
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    await children[0]!.exit(143);
    expect(respawns).toHaveBeenCalledTimes(1);
    expect(supervisor.phase).toBe('respawning');
    supervisor.start(['app'], {});
    expect(children).toHaveLength(2);
    expect(supervisor.phase).toBe('running');
    // The old kill timer is gone: nothing is sent to the new child.
    vi.advanceTimersByTime(10_000);
    expect(children[1]!.signals).toEqual([]);
  });

  test('a signal in the restart window is dropped; the next child starts and gets later signals', async () => {
    const { supervisor, children, lines } = setUp();
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'restart-requested', reason: 'rotation' });
    await children[0]!.exit(143);
    supervisor.dispatch({ type: 'signal', signal: 'SIGHUP' });
    expect(lines.join('')).toContain('received SIGHUP between two children; dropped it');
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'signal', signal: 'SIGUSR1' });
    expect(children[1]!.signals).toEqual(['SIGUSR1']);
  });

  test('SIGTERM in the restart window exits 143 and no next child is started', async () => {
    const { supervisor, children, code } = setUp();
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'restart-requested', reason: 'rotation' });
    await children[0]!.exit(143);
    supervisor.dispatch({ type: 'signal', signal: 'SIGTERM' });
    await Promise.resolve();
    expect(code()).toBe(143);
    supervisor.start(['app'], {});
    expect(children).toHaveLength(1);
  });

  test('a child that exited before the restart SIGTERM reached it ends the run with its own code', async () => {
    const { supervisor, children, respawns, code } = setUp();
    supervisor.start(['job'], {});
    // It has exited, but its exit is not reported yet when the restart is requested.
    children[0]!.alive = false;
    supervisor.dispatch({ type: 'restart-requested', reason: 'rotation' });
    await children[0]!.exit(0);
    expect(respawns).not.toHaveBeenCalled();
    expect(code()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(children).toHaveLength(1);
  });

  test('a failed respawn ends the run with 75 and no child', async () => {
    const { supervisor, children, code } = setUp();
    supervisor.start(['app'], {});
    supervisor.dispatch({ type: 'restart-requested', reason: 'rotation' });
    await children[0]!.exit(143);
    supervisor.dispatch({ type: 'credentials-lost', message: 'could not read fresh secrets' });
    await Promise.resolve();
    expect(code()).toBe(75);
    supervisor.start(['app'], {});
    expect(children).toHaveLength(1);
  });

  test('a signal before the first child exits with 128+N and start() then does nothing', async () => {
    const { supervisor, children, code } = setUp();
    supervisor.dispatch({ type: 'signal', signal: 'SIGHUP' });
    await Promise.resolve();
    expect(code()).toBe(129);
    supervisor.start(['app'], {});
    expect(children).toHaveLength(0);
  });

  test('with --process-group, a stop waits for what is left of the group, then SIGKILLs it at the kill timeout', async () => {
    const { supervisor, children, code } = setUp({ processGroup: true, killTimeoutMs: 3_000 });
    supervisor.start(['sh', '-c', 'server & wait'], {});
    let groupLeft = true;
    children[0]!.groupAlive = () => groupLeft;
    supervisor.dispatch({ type: 'signal', signal: 'SIGTERM' });
    // The leader ends on SIGTERM; a grandchild that ignores it keeps the group.
    await children[0]!.exit(143);
    vi.advanceTimersByTime(2_900);
    expect(code()).toBeUndefined();
    expect(supervisor.phase).toBe('stopping');
    vi.advanceTimersByTime(100);
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    // The SIGKILL went to the group (the fake leader no longer records it); then the run ends.
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(code()).toBe(143);
  });

  test('with --process-group, a group that empties in time ends the stop at once', async () => {
    const { supervisor, children, code } = setUp({ processGroup: true, killTimeoutMs: 3_000 });
    supervisor.start(['sh'], {});
    let groupLeft = true;
    children[0]!.groupAlive = () => groupLeft;
    supervisor.dispatch({ type: 'signal', signal: 'SIGTERM' });
    await children[0]!.exit(143);
    groupLeft = false;
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(code()).toBe(143);
  });

  test('with --process-group, a child that ends by itself is not held for its group', async () => {
    const { supervisor, children, code } = setUp({ processGroup: true });
    supervisor.start(['sh'], {});
    children[0]!.groupAlive = () => true;
    await children[0]!.exit(0);
    expect(code()).toBe(0);
  });
});
