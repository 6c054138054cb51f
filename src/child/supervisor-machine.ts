// The supervisor as a pure state machine, transition(state, event) → { state, effects }. The shell
// (supervisor-shell.ts) feeds it events and performs the effects it returns; nothing here touches
// processes or timers, so every transition is unit-tested.
import { EXIT } from '../util/exit-codes';
import { endsRunWithoutChild, roleOf, signalExitCode, type ForwardedSignal } from './signals';

/**
 *   starting ──child-started──► running ──stop signal, credentials-lost──► stopping ──child-exited──► exited
 *     │                          │  └──────────────────────child-exited───────────────────────────────┘
 *     └─signal─► exited (128+N)  restart-requested: SIGTERM to the old child
 *                                ▼
 *                                reload-requested: the reload signal to the child, which stays running
 *                            restarting ──stop signal, credentials-lost──► stopping
 *                                │  └──child-exited, our SIGTERM never reached it──► exited (its code)
 *                                ▼ child-exited
 *                            respawning ──child-started──► running
 *                                └──stop signal, credentials-lost──► exited (128+N, 75; no new child)
 *
 * The first stop reason wins: a renewal failure during a signal-initiated stop does not change the
 * exit code, and stopping twice never re-arms the kill timer. In the restart window (`respawning`)
 * there is no child: other signals are logged and dropped, since the next child starts at once and
 * reads its configuration fresh anyway.
 */
export type State =
  | { phase: 'starting' }
  | { phase: 'running' }
  /** `stopDelivered` turns false when the restart's SIGTERM found the child already gone. */
  | { phase: 'restarting'; stopDelivered: boolean }
  | { phase: 'respawning' }
  | { phase: 'stopping'; exitCode?: number }
  | { phase: 'exited'; code: number };

export type Event =
  | { type: 'signal'; signal: ForwardedSignal }
  | { type: 'child-started' }
  | { type: 'child-exited'; code: number }
  /** The shell could not send a forward effect's signal: the child had exited already. */
  | { type: 'signal-undelivered'; signal: ForwardedSignal | 'SIGKILL' }
  | { type: 'credentials-lost'; message: string }
  | { type: 'restart-requested'; reason: string }
  /** Only its files changed, and were rewritten: the child re-reads them on `signal` (--reload-signal). */
  | { type: 'reload-requested'; reason: string; signal: ForwardedSignal }
  | { type: 'kill-timer-fired' };

export type Effect =
  | { type: 'send-signal'; signal: ForwardedSignal | 'SIGKILL' }
  | { type: 'arm-kill-timer' }
  | { type: 'clear-kill-timer' }
  | { type: 'exit'; code: number }
  /** Start the next generation (then `child-started`, or `credentials-lost` if it cannot be had). */
  | { type: 'start-next-child' }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; message: string; event?: string };

export interface MachineSettings {
  /** stdin is a terminal: the child gets the terminal's signals itself (see signals.ts). */
  terminal: boolean;
}

export type Transition = { state: State; effects: Effect[] };

export const INITIAL_STATE: State = { phase: 'starting' };
const PLAIN: MachineSettings = { terminal: false };

/** `event`: the stable name a JSON log line carries (README, Logs). */
const log = (level: Extract<Effect, { type: 'log' }>['level'], message: string, event?: string): Effect =>
  event === undefined ? { type: 'log', level, message } : { type: 'log', level, message, event };
const exitWith = (code: number, ...before: Effect[]): Transition => ({
  state: { phase: 'exited', code },
  effects: [...before, { type: 'exit', code }],
});
const KILL_AFTER_TIMEOUT: Effect[] = [
  log('warn', 'the child did not exit within the kill timeout; sending SIGKILL'),
  { type: 'send-signal', signal: 'SIGKILL' },
];

export function transition(state: State, event: Event, settings: MachineSettings = PLAIN): Transition {
  switch (state.phase) {
    case 'starting':
    case 'respawning':
      return withoutChild(state, event, settings);
    case 'running':
      return fromRunning(state, event, settings);
    case 'restarting':
      return fromRestarting(state, event, settings);
    case 'stopping':
      return fromStopping(state, event, settings);
    case 'exited':
      return ignore(state, event, 'after exit');
  }
}

/** Before the first child, and in the restart window between the old child's exit and the new one. */
function withoutChild(
  state: Extract<State, { phase: 'starting' | 'respawning' }>,
  event: Event,
  settings: MachineSettings,
): Transition {
  const first = state.phase === 'starting';
  switch (event.type) {
    case 'child-started':
      return { state: { phase: 'running' }, effects: [] };
    case 'signal': {
      // Before the first child a signal acts as its default action would without us; in the restart
      // window only a stop signal ends the run, and the rest have nobody to go to.
      const ends = first
        ? endsRunWithoutChild(event.signal)
        : roleOf(event.signal, settings.terminal) === 'stop';
      if (!ends)
        return first
          ? { state, effects: [] }
          : { state, effects: [log('info', `received ${event.signal} between two children; dropped it`)] };
      const when = first ? 'before the child was started' : 'while restarting the child';
      return exitWith(
        signalExitCode(event.signal),
        log('info', `received ${event.signal} ${when}; exiting without starting it`),
      );
    }
    case 'credentials-lost':
      return exitWith(EXIT.renewalFailed, log('error', event.message, 'renew-failed'));
    default:
      return ignore(state, event, first ? 'before the child started' : 'between two children');
  }
}

function fromRunning(state: State, event: Event, settings: MachineSettings): Transition {
  switch (event.type) {
    case 'signal':
      return onSignalWithChild(state, event.signal, settings, { phase: 'stopping' }, true);
    case 'credentials-lost':
      return {
        state: { phase: 'stopping', exitCode: EXIT.renewalFailed },
        effects: [
          log('error', `${event.message}; stopping the child`, 'renew-failed'),
          { type: 'send-signal', signal: 'SIGTERM' },
          { type: 'arm-kill-timer' },
        ],
      };
    case 'child-exited':
      return exitWith(event.code);
    case 'reload-requested':
      return {
        state,
        effects: [
          log('info', `reloading the child: ${event.reason}; sent ${event.signal}`, 'reload'),
          { type: 'send-signal', signal: event.signal },
        ],
      };
    case 'restart-requested':
      return {
        state: { phase: 'restarting', stopDelivered: true },
        effects: [
          log('info', `restarting the child: ${event.reason}`, 'restart'),
          { type: 'send-signal', signal: 'SIGTERM' },
          { type: 'arm-kill-timer' },
        ],
      };
    default:
      return ignore(state, event, 'while the child runs');
  }
}

function fromRestarting(
  state: Extract<State, { phase: 'restarting' }>,
  event: Event,
  settings: MachineSettings,
): Transition {
  switch (event.type) {
    case 'child-exited':
      if (!state.stopDelivered)
        // It ended on its own before we asked: a one-shot job must not run twice, and its code counts.
        return exitWith(
          event.code,
          { type: 'clear-kill-timer' },
          log('info', `the child exited by itself (code ${event.code}) before the restart; not restarting`),
        );
      // The old child's exit code means nothing here: we asked it to stop.
      return {
        state: { phase: 'respawning' },
        effects: [{ type: 'clear-kill-timer' }, { type: 'start-next-child' }],
      };
    case 'signal-undelivered':
      return event.signal === 'SIGTERM'
        ? { state: { ...state, stopDelivered: false }, effects: [] }
        : ignore(state, event, 'while restarting');
    case 'signal':
      // The kill timer is already armed by the restart; a stop signal turns the restart into a stop.
      return onSignalWithChild(state, event.signal, settings, { phase: 'stopping' }, false);
    case 'credentials-lost':
      return {
        state: { phase: 'stopping', exitCode: EXIT.renewalFailed },
        effects: [log('error', `${event.message}; stopping the child`, 'renew-failed')],
      };
    case 'kill-timer-fired':
      return { state, effects: KILL_AFTER_TIMEOUT };
    default:
      return ignore(state, event, 'while restarting');
  }
}

function fromStopping(
  state: Extract<State, { phase: 'stopping' }>,
  event: Event,
  settings: MachineSettings,
): Transition {
  switch (event.type) {
    case 'signal':
      return onSignalWithChild(state, event.signal, settings, state, false);
    case 'kill-timer-fired':
      return { state, effects: KILL_AFTER_TIMEOUT };
    case 'child-exited':
      return exitWith(state.exitCode ?? event.code, { type: 'clear-kill-timer' });
    case 'credentials-lost':
      return { state, effects: [log('debug', `already stopping; ignored: ${event.message}`)] };
    default:
      return ignore(state, event, 'while stopping');
  }
}

/** A signal while a child exists: drop what the terminal delivered, forward the rest, stop on a stop. */
function onSignalWithChild(
  state: State,
  signal: ForwardedSignal,
  settings: MachineSettings,
  whenStop: State,
  armKillTimer: boolean,
): Transition {
  const role = roleOf(signal, settings.terminal);
  if (role === 'delivered')
    return {
      state,
      effects: [log('debug', `${signal} came from the terminal, which gave the child it too`)],
    };
  if (role === 'forward') return { state, effects: [{ type: 'send-signal', signal }] };
  if (!armKillTimer) return { state: whenStop, effects: [{ type: 'send-signal', signal }] };
  return {
    state: whenStop,
    effects: [
      log('info', `received ${signal}; forwarding it to the child`),
      { type: 'send-signal', signal },
      { type: 'arm-kill-timer' },
    ],
  };
}

function ignore(state: State, event: Event, when: string): Transition {
  return { state, effects: [log('debug', `ignored ${describe(event)} ${when}`)] };
}

function describe(event: Event): string {
  return event.type === 'signal' || event.type === 'signal-undelivered'
    ? `${event.type} ${event.signal}`
    : event.type;
}
