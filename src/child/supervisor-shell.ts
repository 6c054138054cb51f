import type { Logger } from '../log';
import { spawnChild, type ChildProcess } from './spawn';
import { INITIAL_STATE, transition, type Effect, type Event, type State } from './supervisor-machine';

export interface Supervisor {
  dispatch(event: Event): void;
  /** Spawns the child; signals that arrived earlier have already decided the outcome. */
  start(command: string[], env: Record<string, string>): void;
  readonly phase: State['phase'];
  /** Resolves once with the code vault-exec should exit with. */
  readonly exited: Promise<number>;
}

/** The thin shell around the pure state machine: it owns the child, the kill timer and the exit. */
export function createSupervisor(options: {
  killTimeoutMs: number;
  log: Logger;
  /** Called when a restart needs a new child: read fresh secrets, then start(), or dispatch a failure. */
  onRespawn?: () => void;
  spawn?: (command: string[], env: Record<string, string>) => ChildProcess;
}): Supervisor {
  const { killTimeoutMs, log, spawn = spawnChild } = options;
  let state: State = INITIAL_STATE;
  let child: ChildProcess | undefined;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));

  const perform = (effect: Effect): void => {
    switch (effect.type) {
      case 'forward':
        if (!child?.kill(effect.signal))
          log.debug(`could not send ${effect.signal}: the child is already gone`);
        else if (effect.signal !== 'SIGKILL') log.debug(`forwarded ${effect.signal} to the child`);
        return;
      case 'arm-kill-timer':
        killTimer = setTimeout(() => dispatch({ type: 'kill-timer-fired' }), killTimeoutMs);
        return;
      case 'clear-kill-timer':
        if (killTimer !== undefined) clearTimeout(killTimer);
        return;
      case 'exit':
        return resolveExit(effect.code);
      case 'respawn':
        return options.onRespawn?.();
      case 'log':
        return log[effect.level](effect.message);
    }
  };

  const dispatch = (event: Event): void => {
    const result = transition(state, event);
    state = result.state;
    result.effects.forEach(perform);
  };

  return {
    dispatch,
    get phase() {
      return state.phase;
    },
    exited,
    start(command, env) {
      if (state.phase !== 'starting') return;
      const started = spawn(command, env);
      child = started;
      dispatch({ type: 'child-started' });
      log.debug(`started ${command[0]} (pid ${started.pid ?? 'unknown'})`);
      void started.done.then(({ code, spawnError }) => {
        if (spawnError) log.error(spawnError);
        else log.debug(`the child exited; exit code ${code}`);
        dispatch({ type: 'child-exited', code });
      });
    },
  };
}
