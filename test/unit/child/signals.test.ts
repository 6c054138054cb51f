import { constants } from 'node:os';
import { describe, expect, test } from 'vitest';
import {
  FORWARDED_SIGNALS,
  IGNORED_SIGNALS,
  catchableSignals,
  endsRunWithoutChild,
  roleOf,
} from '../../../src/child/signals';
import { refuseProcessGroupOnTerminal } from '../../../src/child/terminal';
import { configFromArgv } from '../../support/config-from-argv';

const NEVER_CAUGHT = ['SIGKILL', 'SIGSTOP', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGSEGV', 'SIGPIPE', 'SIGXFSZ'];

describe('the signal list', () => {
  test('every Linux signal is forwarded, dropped, or left out for a documented reason', () => {
    const handled = new Set<string>([
      ...FORWARDED_SIGNALS,
      ...IGNORED_SIGNALS,
      ...NEVER_CAUGHT,
      'SIGPROF',
      'SIGCHLD',
    ]);
    const aliases = new Set(['SIGIOT', 'SIGPOLL', 'SIGUNUSED']);
    const unhandled = Object.keys(constants.signals).filter(
      (name) => !handled.has(name) && !aliases.has(name),
    );
    expect(unhandled).toEqual([]);
  });

  test('outside a terminal, only SIGTERM and SIGINT stop; SIGHUP is forwarded as a reload', () => {
    const stops = FORWARDED_SIGNALS.filter((signal) => roleOf(signal, false) === 'stop');
    expect(stops).toEqual(['SIGINT', 'SIGTERM']);
    expect(roleOf('SIGHUP', false)).toBe('forward');
  });

  test('in a terminal, SIGTERM and SIGHUP stop, and what the terminal delivers is not sent again', () => {
    expect(FORWARDED_SIGNALS.filter((signal) => roleOf(signal, true) === 'stop')).toEqual([
      'SIGHUP',
      'SIGTERM',
    ]);
    expect(FORWARDED_SIGNALS.filter((signal) => roleOf(signal, true) === 'delivered')).toEqual([
      'SIGINT',
      'SIGQUIT',
      'SIGCONT',
      'SIGTSTP',
      'SIGWINCH',
    ]);
  });

  test('SIGTSTP is caught outside a terminal only, so Ctrl-Z stops vault-exec with its child', () => {
    expect(catchableSignals(false)).toContain('SIGTSTP');
    expect(catchableSignals(true)).not.toContain('SIGTSTP');
  });

  test('without a child, only signals whose default is to terminate end the run', () => {
    expect(FORWARDED_SIGNALS.filter((signal) => !endsRunWithoutChild(signal))).toEqual([
      'SIGCONT',
      'SIGTSTP',
      'SIGURG',
      'SIGWINCH',
    ]);
  });
});

describe('--process-group and the terminal', () => {
  const processGroupOf = (argv: string[], env: Record<string, string> = {}) => {
    const result = configFromArgv(argv, { VAULT_ROLE_ID: 'role', VAULT_SECRET_ID: 'secret', ...env });
    return result.kind === 'run' ? result.config.processGroup : undefined;
  };

  test('is off by default and set by the flag or its env twin', () => {
    expect(processGroupOf(['--', 'true'])).toBe(false);
    expect(processGroupOf(['--process-group', '--', 'true'])).toBe(true);
    expect(processGroupOf(['--', 'true'], { VAULT_EXEC_PROCESS_GROUP: 'yes' })).toBe(true);
  });

  test('is refused with a usage error when stdin is a terminal', () => {
    expect(() => refuseProcessGroupOnTerminal({ processGroup: true }, true)).toThrow(
      /--process-group cannot be used when stdin is a terminal/,
    );
  });

  test.each([
    [true, false],
    [false, true],
    [false, false],
  ])('is accepted otherwise (process group %s, terminal %s)', (processGroup, terminal) => {
    expect(() => refuseProcessGroupOnTerminal({ processGroup }, terminal)).not.toThrow();
  });
});
