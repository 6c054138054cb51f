import { expect, test } from 'vitest';
import { inTerminalForeground } from '../../../src/child/job-control';

test('vault-exec is a terminal foreground job only when it has a terminal whose foreground is its group', () => {
  expect(inTerminalForeground({ processGroup: 40, terminal: 34816, foregroundGroup: 40 })).toBe(true);
  // A background job, or a child shell that took the terminal.
  expect(inTerminalForeground({ processGroup: 40, terminal: 34816, foregroundGroup: 41 })).toBe(false);
  // No controlling terminal (a container without -t, a detached session).
  expect(inTerminalForeground({ processGroup: 40, terminal: 0, foregroundGroup: -1 })).toBe(false);
  expect(inTerminalForeground({ processGroup: 40, terminal: 0, foregroundGroup: 40 })).toBe(false);
});
