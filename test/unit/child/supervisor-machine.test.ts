import { describe, expect, test } from 'vitest';
import { INITIAL_STATE, transition, type Event, type State } from '../../../src/child/supervisor-machine';

const running: State = { phase: 'running' };
const effectTypes = (state: State, event: Event) =>
  transition(state, event).effects.map((effect) =>
    effect.type === 'forward' ? `forward ${effect.signal}` : effect.type,
  );

describe('before the child exists', () => {
  test('a stop signal exits with 128+N and never starts the child', () => {
    const result = transition(INITIAL_STATE, { type: 'signal', signal: 'SIGTERM' });
    expect(result.state).toEqual({ phase: 'exited', code: 143 });
    expect(result.effects).toContainEqual({ type: 'exit', code: 143 });
    expect(transition(result.state, { type: 'child-started' }).state.phase).toBe('exited');
  });

  test('SIGINT and SIGHUP also end start-up with their 128+N', () => {
    expect(transition(INITIAL_STATE, { type: 'signal', signal: 'SIGINT' }).state).toEqual({
      phase: 'exited',
      code: 130,
    });
    expect(transition(INITIAL_STATE, { type: 'signal', signal: 'SIGHUP' }).state).toEqual({
      phase: 'exited',
      code: 129,
    });
  });

  test('a terminal resize does not end start-up', () => {
    expect(transition(INITIAL_STATE, { type: 'signal', signal: 'SIGWINCH' })).toEqual({
      state: INITIAL_STATE,
      effects: [],
    });
  });
});

describe('while the child runs', () => {
  test.each(['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const)(
    'forwards %s and keeps running',
    (signal) => {
      expect(transition(running, { type: 'signal', signal })).toEqual({
        state: running,
        effects: [{ type: 'forward', signal }],
      });
    },
  );

  test.each(['SIGTERM', 'SIGINT'] as const)('forwards %s and arms the kill timer', (signal) => {
    const result = transition(running, { type: 'signal', signal });
    expect(result.state).toEqual({ phase: 'stopping' });
    expect(effectTypes(running, { type: 'signal', signal })).toEqual([
      'log',
      `forward ${signal}`,
      'arm-kill-timer',
    ]);
  });

  test("the child's exit code becomes ours", () => {
    expect(transition(running, { type: 'child-exited', code: 3 })).toEqual({
      state: { phase: 'exited', code: 3 },
      effects: [{ type: 'exit', code: 3 }],
    });
  });

  test('a renewal failure stops the child with SIGTERM and will exit 75', () => {
    const result = transition(running, { type: 'renewal-failed', message: 'renewing the token was refused' });
    expect(result.state).toEqual({ phase: 'stopping', exitCode: 75 });
    expect(effectTypes(running, { type: 'renewal-failed', message: 'x' })).toEqual([
      'log',
      'forward SIGTERM',
      'arm-kill-timer',
    ]);
    expect(transition(result.state, { type: 'child-exited', code: 143 }).state).toEqual({
      phase: 'exited',
      code: 75,
    });
  });
});

describe('while stopping', () => {
  const stopping: State = { phase: 'stopping' };

  test('the kill timer sends SIGKILL', () => {
    expect(effectTypes(stopping, { type: 'kill-timer-fired' })).toEqual(['log', 'forward SIGKILL']);
  });

  test('a second SIGTERM is forwarded but does not re-arm the timer', () => {
    expect(effectTypes(stopping, { type: 'signal', signal: 'SIGTERM' })).toEqual(['forward SIGTERM']);
  });

  test('the first stop reason wins: a renewal failure after SIGTERM keeps the child’s exit code', () => {
    const afterFailure = transition(stopping, { type: 'renewal-failed', message: 'late' }).state;
    expect(afterFailure).toEqual(stopping);
    expect(transition(afterFailure, { type: 'child-exited', code: 143 }).state).toEqual({
      phase: 'exited',
      code: 143,
    });
  });

  test('the child exiting clears the kill timer and exits with its code', () => {
    expect(effectTypes(stopping, { type: 'child-exited', code: 0 })).toEqual(['clear-kill-timer', 'exit']);
  });
});

test('after exit every event is ignored', () => {
  const exited: State = { phase: 'exited', code: 0 };
  for (const event of [
    { type: 'signal', signal: 'SIGTERM' },
    { type: 'child-exited', code: 1 },
    { type: 'kill-timer-fired' },
  ] as Event[]) {
    const result = transition(exited, event);
    expect(result.state).toBe(exited);
    expect(result.effects.every((effect) => effect.type === 'log')).toBe(true);
  }
});

describe('restarting with fresh secrets', () => {
  const restarting: State = { phase: 'restarting' };

  test('a restart request stops the child with SIGTERM and arms the kill timer', () => {
    const result = transition(running, {
      type: 'restart-requested',
      reason: 'the lease of database/creds/app reached its max TTL',
    });
    expect(result.state).toEqual(restarting);
    expect(effectTypes(running, { type: 'restart-requested', reason: 'x' })).toEqual([
      'log',
      'forward SIGTERM',
      'arm-kill-timer',
    ]);
  });

  test('when the old child exits, its code is ignored and a new child is spawned', () => {
    const result = transition(restarting, { type: 'child-exited', code: 143 });
    expect(result.state).toEqual({ phase: 'starting' });
    expect(effectTypes(restarting, { type: 'child-exited', code: 143 })).toEqual([
      'clear-kill-timer',
      'respawn',
    ]);
    expect(transition(result.state, { type: 'child-started' }).state).toEqual(running);
  });

  test('a stop signal during a restart becomes a stop, keeping the armed kill timer', () => {
    const result = transition(restarting, { type: 'signal', signal: 'SIGTERM' });
    expect(result.state).toEqual({ phase: 'stopping' });
    expect(effectTypes(restarting, { type: 'signal', signal: 'SIGTERM' })).toEqual(['forward SIGTERM']);
  });

  test('a renewal failure during a restart ends the run with 75', () => {
    const stopping = transition(restarting, { type: 'renewal-failed', message: 'x' }).state;
    expect(transition(stopping, { type: 'child-exited', code: 143 }).state).toEqual({
      phase: 'exited',
      code: 75,
    });
  });

  test('a failed respawn (fresh secrets could not be read) exits 75 without a child', () => {
    expect(transition({ phase: 'starting' }, { type: 'renewal-failed', message: 'x' }).state).toEqual({
      phase: 'exited',
      code: 75,
    });
  });

  test('a second restart request while restarting or stopping is ignored', () => {
    expect(transition(restarting, { type: 'restart-requested', reason: 'again' }).state).toBe(restarting);
    const stopping: State = { phase: 'stopping' };
    expect(transition(stopping, { type: 'restart-requested', reason: 'late' }).state).toBe(stopping);
  });
});
