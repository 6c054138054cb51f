// The restart window's hardest case, against a real process: a child that has exited but is not yet
// reaped (a zombie) accepts kill(2) without receiving anything. spawn.ts must report such a signal as
// not delivered, so the supervisor ends the run with the child's own code instead of restarting it.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { spawnChild } from '../../src/child/spawn';

const stateOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.charAt(stat.lastIndexOf(')') + 2);
};
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

test('a signal to a child that exited but is not reaped yet is reported as not delivered', async () => {
  const child = spawnChild(['sh', '-c', 'exit 3'], env);
  const pid = child.pid!;
  // Node reaps children from its event loop; spinning here, without yielding, keeps this one a zombie.
  const deadline = Date.now() + 10_000;
  while (stateOf(pid) !== 'Z' && Date.now() < deadline);
  expect(stateOf(pid)).toBe('Z');
  expect(child.kill('SIGTERM')).toBe(false);
  expect((await child.done).code).toBe(3);
  // Reaped now: the pid is never signalled again, whoever it belongs to next.
  expect(child.kill('SIGTERM')).toBe(false);
});

test('a signal to a live child is reported as delivered', async () => {
  const child = spawnChild(['sleep', '30'], env);
  expect(child.kill('SIGTERM')).toBe(true);
  expect((await child.done).code).toBe(143);
});
