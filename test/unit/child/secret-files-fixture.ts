// What the secret-files tests share: a logger whose lines they read, scratch directories in /dev/shm
// removed after each test, a file's mode, and the error a refusal throws.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { afterEach } from 'vitest';
import { createLogger } from '../../../src/util/log';

/** Call at a test file's top level: registers the clean-up for that file's tests. */
export function useSecretFilesScratch(prefix: string) {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', format: 'text', write: (text) => lines.push(text) });
  const made: string[] = [];
  const shmDir = (): string => {
    const dir = mkdtempSync(`/dev/shm/${prefix}`);
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    lines.length = 0;
  });
  const removeAfter = (dir: string): void => void made.push(dir);
  return { lines, log, shmDir, removeAfter };
}

export const modeOf = (path: string): number => statSync(path).mode & 0o777;

export function failure(work: () => unknown): Error & { exitCode: number } {
  try {
    work();
  } catch (error) {
    return error as Error & { exitCode: number };
  }
  throw new Error('expected a failure');
}
