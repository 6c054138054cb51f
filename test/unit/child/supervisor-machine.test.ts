import { describe, expect, test } from 'vitest';
import {
  INITIAL_STATE,
  transition,
  type Effect,
  type Event,
  type State,
} from '../../../src/child/supervisor-machine';
import { FORWARDED_SIGNALS } from '../../../src/child/signals';

const starting: State = INITIAL_STATE;
const running: State = { phase: 'running' };
const restarting: State = { phase: 'restarting', stopDelivered: true };
const restartingChildGone: State = { phase: 'restarting', stopDelivered: false };
const respawning: State = { phase: 'respawning' };
const stopping: State = { phase: 'stopping' };
const stoppingFor75: State = { phase: 'stopping', exitCode: 75 };
const exited: State = { phase: 'exited', code: 3 };

const signal = (name: (typeof FORWARDED_SIGNALS)[number]): Event => ({ type: 'signal', signal: name });
const exitedWith = (code: number): Event => ({ type: 'child-exited', code });
const started: Event = { type: 'child-started' };
const renewalFailed: Event = { type: 'credentials-lost', message: 'renewing the token was refused' };
const restart: Event = { type: 'restart-requested', reason: 'the lease reached its max TTL' };
const killTimer: Event = { type: 'kill-timer-fired' };
const reload: Event = {
  type: 'reload-requested',
  reason: 'the certificate tls was reissued',
  signal: 'SIGHUP',
};
const termNotDelivered: Event = { type: 'signal-undelivered', signal: 'SIGTERM' };

/** Effects as short words, so a table row reads like the diagram in supervisor-machine.ts. */
const summarize = (effects: Effect[]): string[] =>
  effects.map((effect) => {
    if (effect.type === 'send-signal') return `send-signal ${effect.signal}`;
    if (effect.type === 'exit') return `exit ${effect.code}`;
    if (effect.type === 'log') return `log ${effect.level}`;
    return effect.type;
  });

type Row = [string, State, Event, State, string[]];

// Every transition of the machine outside terminal mode: [what, from, event, to, effects].
const plain: Row[] = [
  // starting: no child yet; a signal acts as its default action would.
  ['starting: the child starts', starting, started, running, []],
  [
    'starting: SIGTERM exits 143',
    starting,
    signal('SIGTERM'),
    { phase: 'exited', code: 143 },
    ['log info', 'exit 143'],
  ],
  [
    'starting: SIGINT exits 130',
    starting,
    signal('SIGINT'),
    { phase: 'exited', code: 130 },
    ['log info', 'exit 130'],
  ],
  [
    'starting: SIGHUP exits 129',
    starting,
    signal('SIGHUP'),
    { phase: 'exited', code: 129 },
    ['log info', 'exit 129'],
  ],
  [
    'starting: SIGPWR exits 158',
    starting,
    signal('SIGPWR'),
    { phase: 'exited', code: 158 },
    ['log info', 'exit 158'],
  ],
  ['starting: SIGWINCH changes nothing', starting, signal('SIGWINCH'), starting, []],
  ['starting: SIGCONT changes nothing', starting, signal('SIGCONT'), starting, []],
  ['starting: SIGURG changes nothing', starting, signal('SIGURG'), starting, []],
  ['starting: SIGTSTP changes nothing', starting, signal('SIGTSTP'), starting, []],
  [
    'starting: a renewal failure exits 75',
    starting,
    renewalFailed,
    { phase: 'exited', code: 75 },
    ['log error', 'exit 75'],
  ],
  ['starting: a restart request is ignored', starting, restart, starting, ['log debug']],
  ['starting: a stray exit is ignored', starting, exitedWith(1), starting, ['log debug']],
  ['starting: a stray kill timer is ignored', starting, killTimer, starting, ['log debug']],
  // running
  [
    'running: SIGTERM stops',
    running,
    signal('SIGTERM'),
    stopping,
    ['log info', 'send-signal SIGTERM', 'arm-kill-timer'],
  ],
  [
    'running: SIGINT stops',
    running,
    signal('SIGINT'),
    stopping,
    ['log info', 'send-signal SIGINT', 'arm-kill-timer'],
  ],
  ['running: SIGHUP is forwarded', running, signal('SIGHUP'), running, ['send-signal SIGHUP']],
  ['running: SIGQUIT is forwarded', running, signal('SIGQUIT'), running, ['send-signal SIGQUIT']],
  ['running: SIGWINCH is forwarded', running, signal('SIGWINCH'), running, ['send-signal SIGWINCH']],
  ['running: SIGTSTP is forwarded', running, signal('SIGTSTP'), running, ['send-signal SIGTSTP']],
  ['running: the child exits with 3', running, exitedWith(3), { phase: 'exited', code: 3 }, ['exit 3']],
  [
    'running: a renewal failure stops for 75',
    running,
    renewalFailed,
    stoppingFor75,
    ['log error', 'send-signal SIGTERM', 'arm-kill-timer'],
  ],
  [
    'running: a restart request sends SIGTERM',
    running,
    restart,
    restarting,
    ['log info', 'send-signal SIGTERM', 'arm-kill-timer'],
  ],
  [
    'running: a failed forward is only logged',
    running,
    { type: 'signal-undelivered', signal: 'SIGUSR1' },
    running,
    ['log debug'],
  ],
  ['running: a stray kill timer is ignored', running, killTimer, running, ['log debug']],
  ['running: a second start is ignored', running, started, running, ['log debug']],
  // restarting: the old child was asked to stop
  [
    'restarting: the old child exits; respawn',
    restarting,
    exitedWith(143),
    respawning,
    ['clear-kill-timer', 'start-next-child'],
  ],
  ['restarting: SIGTERM never reached it', restarting, termNotDelivered, restartingChildGone, []],
  [
    'restarting: another failed forward is only logged',
    restarting,
    { type: 'signal-undelivered', signal: 'SIGKILL' },
    restarting,
    ['log debug'],
  ],
  [
    'restarting: the child had exited by itself; its code ends the run',
    restartingChildGone,
    exitedWith(0),
    { phase: 'exited', code: 0 },
    ['clear-kill-timer', 'log info', 'exit 0'],
  ],
  [
    'restarting: SIGTERM turns it into a stop',
    restarting,
    signal('SIGTERM'),
    stopping,
    ['send-signal SIGTERM'],
  ],
  ['restarting: SIGINT turns it into a stop', restarting, signal('SIGINT'), stopping, ['send-signal SIGINT']],
  [
    'restarting: SIGHUP goes to the old child',
    restarting,
    signal('SIGHUP'),
    restarting,
    ['send-signal SIGHUP'],
  ],
  ['restarting: a renewal failure stops for 75', restarting, renewalFailed, stoppingFor75, ['log error']],
  [
    'restarting: the kill timer sends SIGKILL',
    restarting,
    killTimer,
    restarting,
    ['log warn', 'send-signal SIGKILL'],
  ],
  ['restarting: a second restart request is ignored', restarting, restart, restarting, ['log debug']],
  ['restarting: a stray start is ignored', restarting, started, restarting, ['log debug']],
  // respawning: the restart window, no child at all
  ['respawning: the new child starts', respawning, started, running, []],
  [
    'respawning: SIGTERM exits 143 and starts no child',
    respawning,
    signal('SIGTERM'),
    { phase: 'exited', code: 143 },
    ['log info', 'exit 143'],
  ],
  [
    'respawning: SIGINT exits 130 and starts no child',
    respawning,
    signal('SIGINT'),
    { phase: 'exited', code: 130 },
    ['log info', 'exit 130'],
  ],
  ['respawning: SIGHUP is dropped', respawning, signal('SIGHUP'), respawning, ['log info']],
  ['respawning: SIGUSR1 is dropped', respawning, signal('SIGUSR1'), respawning, ['log info']],
  ['respawning: SIGWINCH is dropped', respawning, signal('SIGWINCH'), respawning, ['log info']],
  [
    'respawning: a failed respawn exits 75',
    respawning,
    renewalFailed,
    { phase: 'exited', code: 75 },
    ['log error', 'exit 75'],
  ],
  ['respawning: another restart request is ignored', respawning, restart, respawning, ['log debug']],
  ['respawning: a stray exit is ignored', respawning, exitedWith(143), respawning, ['log debug']],
  ['respawning: a stray kill timer is ignored', respawning, killTimer, respawning, ['log debug']],
  // stopping
  [
    'stopping: the kill timer sends SIGKILL',
    stopping,
    killTimer,
    stopping,
    ['log warn', 'send-signal SIGKILL'],
  ],
  [
    'stopping: a second SIGTERM is forwarded without re-arming',
    stopping,
    signal('SIGTERM'),
    stopping,
    ['send-signal SIGTERM'],
  ],
  ['stopping: SIGUSR2 is forwarded', stopping, signal('SIGUSR2'), stopping, ['send-signal SIGUSR2']],
  [
    "stopping: the child's code ends the run",
    stopping,
    exitedWith(143),
    { phase: 'exited', code: 143 },
    ['clear-kill-timer', 'exit 143'],
  ],
  [
    'stopping for a renewal failure: 75 wins',
    stoppingFor75,
    exitedWith(143),
    { phase: 'exited', code: 75 },
    ['clear-kill-timer', 'exit 75'],
  ],
  ['stopping: a renewal failure keeps the first reason', stopping, renewalFailed, stopping, ['log debug']],
  ['stopping: a restart request is ignored', stopping, restart, stopping, ['log debug']],
  [
    'stopping: a failed forward is only logged',
    stopping,
    { type: 'signal-undelivered', signal: 'SIGKILL' },
    stopping,
    ['log debug'],
  ],
  // exited
  ['exited: a signal is ignored', exited, signal('SIGTERM'), exited, ['log debug']],
  ['exited: an exit is ignored', exited, exitedWith(1), exited, ['log debug']],
  ['exited: the kill timer is ignored', exited, killTimer, exited, ['log debug']],
  ['exited: a restart request is ignored', exited, restart, exited, ['log debug']],
  ['exited: a start is ignored', exited, started, exited, ['log debug']],
  // --reload-signal: only files changed; the running child is told, never stopped.
  [
    'running: a reload sends its signal, and the child keeps running',
    running,
    reload,
    running,
    ['log info', 'send-signal SIGHUP'],
  ],
  ['starting: a reload is ignored', starting, reload, starting, ['log debug']],
  ['restarting: a reload is ignored', restarting, reload, restarting, ['log debug']],
  ['respawning: a reload is ignored', respawning, reload, respawning, ['log debug']],
  ['stopping: a reload is ignored', stopping, reload, stopping, ['log debug']],
  ['exited: a reload is ignored', exited, reload, exited, ['log debug']],
];

// Terminal mode: the terminal gave INT, QUIT, WINCH (and the shell CONT) to the child itself.
const terminal: Row[] = [
  [
    'starting: Ctrl-C before the child exists exits 130',
    starting,
    signal('SIGINT'),
    { phase: 'exited', code: 130 },
    ['log info', 'exit 130'],
  ],
  ['running: SIGINT is not sent again and is no stop', running, signal('SIGINT'), running, ['log debug']],
  ['running: SIGQUIT is not sent again', running, signal('SIGQUIT'), running, ['log debug']],
  ['running: SIGWINCH is not sent again', running, signal('SIGWINCH'), running, ['log debug']],
  ['running: SIGCONT is not sent again', running, signal('SIGCONT'), running, ['log debug']],
  [
    'running: SIGTERM still stops',
    running,
    signal('SIGTERM'),
    stopping,
    ['log info', 'send-signal SIGTERM', 'arm-kill-timer'],
  ],
  [
    'running: SIGHUP (hang-up) stops',
    running,
    signal('SIGHUP'),
    stopping,
    ['log info', 'send-signal SIGHUP', 'arm-kill-timer'],
  ],
  ['running: SIGUSR1 is forwarded', running, signal('SIGUSR1'), running, ['send-signal SIGUSR1']],
  ['restarting: SIGINT is not sent again', restarting, signal('SIGINT'), restarting, ['log debug']],
  ['respawning: Ctrl-C in the window is dropped', respawning, signal('SIGINT'), respawning, ['log info']],
  [
    'respawning: SIGHUP exits 129',
    respawning,
    signal('SIGHUP'),
    { phase: 'exited', code: 129 },
    ['log info', 'exit 129'],
  ],
  ['stopping: SIGINT is not sent again', stopping, signal('SIGINT'), stopping, ['log debug']],
];

describe('the supervisor machine', () => {
  test.each(plain)('%s', (_, from, event, to, effects) => {
    const result = transition(from, event);
    expect(result.state).toEqual(to);
    expect(summarize(result.effects)).toEqual(effects);
  });
});

describe('the supervisor machine in terminal mode', () => {
  test.each(terminal)('%s', (_, from, event, to, effects) => {
    const result = transition(from, event, { terminal: true });
    expect(result.state).toEqual(to);
    expect(summarize(result.effects)).toEqual(effects);
  });
});

test('a reload is logged with its own event, for --log-format json', () => {
  const { effects } = transition(running, reload);
  expect(effects[0]).toMatchObject({ type: 'log', level: 'info', event: 'reload' });
});

describe('whole runs', () => {
  const play = (events: Event[], settings = { terminal: false }) =>
    events.reduce(
      (acc, event) => {
        const result = transition(acc.state, event, settings);
        return { state: result.state, effects: [...acc.effects, ...summarize(result.effects)] };
      },
      { state: INITIAL_STATE, effects: [] as string[] },
    );

  test('a restart forwards SIGTERM, respawns once, and the new child runs', () => {
    const run = play([started, restart, exitedWith(143), started]);
    expect(run.state).toEqual(running);
    expect(run.effects.filter((effect) => effect === 'start-next-child')).toHaveLength(1);
  });

  test('a one-shot child that exits as the restart is requested ends the run with its code, once', () => {
    const run = play([started, restart, termNotDelivered, exitedWith(0)]);
    expect(run.state).toEqual({ phase: 'exited', code: 0 });
    expect(run.effects).not.toContain('start-next-child');
  });

  test('a logrotate SIGHUP in the restart window does not end the run', () => {
    const run = play([started, restart, exitedWith(143), signal('SIGHUP'), started]);
    expect(run.state).toEqual(running);
  });

  test('SIGTERM in the restart window exits 143, and a late start is ignored', () => {
    const run = play([started, restart, exitedWith(143), signal('SIGTERM'), started]);
    expect(run.state).toEqual({ phase: 'exited', code: 143 });
  });

  test('every forwarded signal has a defined outcome in every phase', () => {
    for (const from of [starting, running, restarting, respawning, stopping, exited])
      for (const name of FORWARDED_SIGNALS)
        for (const terminalMode of [false, true])
          expect(() => transition(from, signal(name), { terminal: terminalMode })).not.toThrow();
  });
});
