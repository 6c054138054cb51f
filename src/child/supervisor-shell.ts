// The thin shell around the pure supervisor machine (supervisor-machine.ts): it owns the child, the
// kill timer and the exit, and performs the effects the machine returns.
import type { Logger } from '../util/log';
import { NO_OBSERVER, type Observer } from '../util/observer';
import { spawnChild, type ChildProcess, type SpawnOptions } from './spawn';
import { INITIAL_STATE, transition, type Effect, type Event, type State } from './supervisor-machine';

/** How often the rest of a stopped child's process group is checked for (--process-group). */
const GROUP_POLL_MS = 100;

export interface Supervisor {
  dispatch(event: Event): void;
  /** Spawns the child, first or next; ignored once signals or failures have decided the outcome. */
  start(command: string[], env: Record<string, string>): void;
  readonly phase: State['phase'];
  /** Resolves once with the code vault-exec should exit with. */
  readonly exited: Promise<number>;
}

export function createSupervisor(options: {
  killTimeoutMs: number;
  log: Logger;
  /** Called when a restart needs a new child: start() the next generation, or dispatch a failure. */
  onRespawn?: () => void;
  /** stdin is a terminal: signals the terminal delivers to the child are not sent again. */
  terminal?: boolean;
  /** --process-group: the child leads its own group, and every signal goes to the whole group. */
  processGroup?: boolean;
  spawn?: (command: string[], env: Record<string, string>, options: SpawnOptions) => ChildProcess;
  /** Told when a child starts and exits. */
  observer?: Observer;
}): Supervisor {
  const { killTimeoutMs, log, spawn = spawnChild, observer = NO_OBSERVER } = options;
  const settings = { terminal: options.terminal ?? false };
  const processGroup = options.processGroup ?? false;
  let state: State = INITIAL_STATE;
  let child: ChildProcess | undefined;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let groupKilled = false;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  // Effects may raise events (a forward that found no child); they run after the current transition.
  const queue: Event[] = [];
  let dispatching = false;

  const perform = (effect: Effect): void => {
    switch (effect.type) {
      case 'send-signal':
        if (effect.signal === 'SIGKILL') groupKilled = true;
        if (child?.kill(effect.signal)) {
          if (effect.signal !== 'SIGKILL') log.debug(`forwarded ${effect.signal} to the child`);
        } else {
          log.debug(`could not send ${effect.signal}: the child is already gone`);
          queue.push({ type: 'signal-undelivered', signal: effect.signal });
        }
        return;
      case 'arm-kill-timer':
        clearTimeout(killTimer);
        killTimer = setTimeout(() => dispatch({ type: 'kill-timer-fired' }), killTimeoutMs);
        return;
      case 'clear-kill-timer':
        clearTimeout(killTimer);
        killTimer = undefined;
        return;
      case 'exit':
        clearTimeout(killTimer);
        return resolveExit(effect.code);
      case 'start-next-child':
        return options.onRespawn?.();
      case 'log':
        return log[effect.level](
          effect.message,
          effect.event === undefined ? undefined : { event: effect.event },
        );
    }
  };

  /**
   * --process-group: a leader that exits on our SIGTERM (a `sh -c`) may leave members that ignore it.
   * They get the same kill timeout, and its SIGKILL, before the stop or restart goes on; a child that
   * ends by itself is not waited for (as tini -g). After the SIGKILL, zombies no one reaps (vault-exec
   * as PID 1) would keep the group, so it counts as ended then.
   */
  const untilGroupEnds = (started: ChildProcess): Promise<void> => {
    const stopAsked = state.phase === 'stopping' || state.phase === 'restarting';
    if (!stopAsked || !started.groupAlive?.()) return Promise.resolve();
    log.debug('the child exited; waiting for the rest of its process group');
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        if (!groupKilled && started.groupAlive?.()) return;
        clearInterval(poll);
        resolve();
      }, GROUP_POLL_MS);
    });
  };

  const dispatch = (event: Event): void => {
    queue.push(event);
    if (dispatching) return;
    dispatching = true;
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const result = transition(state, next, settings);
        state = result.state;
        result.effects.forEach(perform);
      }
    } finally {
      dispatching = false;
    }
  };

  return {
    dispatch,
    get phase() {
      return state.phase;
    },
    exited,
    start(command, env) {
      if (state.phase !== 'starting' && state.phase !== 'respawning') return;
      const started = spawn(command, env, { processGroup });
      child = started;
      groupKilled = false;
      dispatch({ type: 'child-started' });
      observer.childStarted();
      log.debug(`started ${command[0]} (pid ${started.pid ?? 'unknown'})`, { event: 'child-start' });
      void started.done.then(async ({ code, spawnError }) => {
        observer.childExited();
        if (spawnError) log.error(spawnError, { event: 'child-exit' });
        else log.debug(`the child exited; exit code ${code}`, { event: 'child-exit', code });
        await untilGroupEnds(started);
        dispatch({ type: 'child-exited', code });
      });
    },
  };
}
