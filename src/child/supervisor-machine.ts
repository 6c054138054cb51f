import { EXIT } from '../exit-codes';
import { STOP_SIGNALS, signalExitCode, type ForwardedSignal } from './signals';

/**
 * The supervisor as a pure state machine. The shell (supervisor-shell.ts) feeds it events and performs the
 * effects it returns; nothing here touches processes or timers, so every transition is unit-tested.
 *
 *   starting ──child-started──► running ──SIGTERM/SIGINT, renewal-failed──► stopping ──child-exited──► exited
 *     ▲  │                        │  └────────────────────child-exited─────────────────────────────────────┘
 *     │  └──signal──► exited      restart-requested (fresh secrets needed)
 *     │     (128+N; no child)     ▼
 *     └──────child-exited──── restarting ──SIGTERM/SIGINT, renewal-failed──► stopping
 *        (respawn with fresh secrets)
 *
 * The first stop reason wins: a renewal failure during a signal-initiated stop does not change the
 * exit code, and stopping twice never re-arms the kill timer. A stop signal during a restart stops.
 */
export type State =
  | { phase: 'starting' }
  | { phase: 'running' }
  | { phase: 'restarting' }
  | { phase: 'stopping'; exitCode?: number }
  | { phase: 'exited'; code: number };

export type Event =
  | { type: 'signal'; signal: ForwardedSignal }
  | { type: 'child-started' }
  | { type: 'child-exited'; code: number }
  | { type: 'renewal-failed'; message: string }
  | { type: 'restart-requested'; reason: string }
  | { type: 'kill-timer-fired' };

export type Effect =
  | { type: 'forward'; signal: ForwardedSignal | 'SIGKILL' }
  | { type: 'arm-kill-timer' }
  | { type: 'clear-kill-timer' }
  | { type: 'exit'; code: number }
  /** Read the secrets again and start a new child (then `child-started`, or `renewal-failed`). */
  | { type: 'respawn' }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; message: string };

export const INITIAL_STATE: State = { phase: 'starting' };

const KILL_AFTER_TIMEOUT: Effect[] = [
  { type: 'log', level: 'warn', message: 'the child did not exit within the kill timeout; sending SIGKILL' },
  { type: 'forward', signal: 'SIGKILL' },
];

export function transition(state: State, event: Event): { state: State; effects: Effect[] } {
  switch (state.phase) {
    case 'starting':
      return fromStarting(state, event);
    case 'running':
      return fromRunning(state, event);
    case 'restarting':
      return fromRestarting(state, event);
    case 'stopping':
      return fromStopping(state, event);
    case 'exited':
      return {
        state,
        effects: [{ type: 'log', level: 'debug', message: `ignored ${describe(event)} after exit` }],
      };
  }
}

function fromStarting(state: State, event: Event): { state: State; effects: Effect[] } {
  switch (event.type) {
    case 'child-started':
      return { state: { phase: 'running' }, effects: [] };
    case 'signal': {
      // A terminal resize must not end a start-up in progress; every other forwarded signal's
      // default action is to terminate, so without a child we do exactly that.
      if (event.signal === 'SIGWINCH') return { state, effects: [] };
      const code = signalExitCode(event.signal);
      return {
        state: { phase: 'exited', code },
        effects: [
          {
            type: 'log',
            level: 'info',
            message: `received ${event.signal} before the child was started; exiting without starting it`,
          },
          { type: 'exit', code },
        ],
      };
    }
    case 'renewal-failed':
      return {
        state: { phase: 'exited', code: EXIT.renewalFailed },
        effects: [
          { type: 'log', level: 'error', message: event.message },
          { type: 'exit', code: EXIT.renewalFailed },
        ],
      };
    default:
      return {
        state,
        effects: [
          { type: 'log', level: 'debug', message: `ignored ${describe(event)} before the child started` },
        ],
      };
  }
}

function fromRunning(state: State, event: Event): { state: State; effects: Effect[] } {
  switch (event.type) {
    case 'signal':
      if (!STOP_SIGNALS.has(event.signal))
        return { state, effects: [{ type: 'forward', signal: event.signal }] };
      return {
        state: { phase: 'stopping' },
        effects: [
          { type: 'log', level: 'info', message: `received ${event.signal}; forwarding it to the child` },
          { type: 'forward', signal: event.signal },
          { type: 'arm-kill-timer' },
        ],
      };
    case 'renewal-failed':
      return {
        state: { phase: 'stopping', exitCode: EXIT.renewalFailed },
        effects: [
          { type: 'log', level: 'error', message: `${event.message}; stopping the child` },
          { type: 'forward', signal: 'SIGTERM' },
          { type: 'arm-kill-timer' },
        ],
      };
    case 'child-exited':
      return { state: { phase: 'exited', code: event.code }, effects: [{ type: 'exit', code: event.code }] };
    case 'restart-requested':
      return {
        state: { phase: 'restarting' },
        effects: [
          { type: 'log', level: 'info', message: `restarting the child: ${event.reason}` },
          { type: 'forward', signal: 'SIGTERM' },
          { type: 'arm-kill-timer' },
        ],
      };
    default:
      return { state, effects: [] };
  }
}

function fromRestarting(state: State, event: Event): { state: State; effects: Effect[] } {
  switch (event.type) {
    case 'child-exited':
      // The old child's exit code means nothing here: we asked it to stop.
      return { state: { phase: 'starting' }, effects: [{ type: 'clear-kill-timer' }, { type: 'respawn' }] };
    case 'signal':
      // The kill timer is already armed by the restart; a stop signal turns the restart into a stop.
      return STOP_SIGNALS.has(event.signal)
        ? { state: { phase: 'stopping' }, effects: [{ type: 'forward', signal: event.signal }] }
        : { state, effects: [{ type: 'forward', signal: event.signal }] };
    case 'renewal-failed':
      return {
        state: { phase: 'stopping', exitCode: EXIT.renewalFailed },
        effects: [{ type: 'log', level: 'error', message: `${event.message}; stopping the child` }],
      };
    case 'kill-timer-fired':
      return { state, effects: KILL_AFTER_TIMEOUT };
    default:
      return {
        state,
        effects: [{ type: 'log', level: 'debug', message: `ignored ${describe(event)} while restarting` }],
      };
  }
}

function fromStopping(
  state: Extract<State, { phase: 'stopping' }>,
  event: Event,
): { state: State; effects: Effect[] } {
  switch (event.type) {
    case 'signal':
      return { state, effects: [{ type: 'forward', signal: event.signal }] };
    case 'kill-timer-fired':
      return { state, effects: KILL_AFTER_TIMEOUT };
    case 'child-exited': {
      const code = state.exitCode ?? event.code;
      return {
        state: { phase: 'exited', code },
        effects: [{ type: 'clear-kill-timer' }, { type: 'exit', code }],
      };
    }
    case 'renewal-failed':
      return {
        state,
        effects: [{ type: 'log', level: 'debug', message: `already stopping; ignored: ${event.message}` }],
      };
    default:
      return { state, effects: [] };
  }
}

function describe(event: Event): string {
  return event.type === 'signal' ? event.signal : event.type;
}
