// Refuses, before the spawn, an environment that execve(2) would refuse with a bare E2BIG (or Node with
// an exception): the line names the variable and its size, never its value.
import { VaultExecError, escapeControlCharacters } from '../util/errors';
import { EXIT } from '../util/exit-codes';
import { readExecLimits, type ExecLimits } from './kernel-limits';

/** A secret that an environment cannot carry: found before the spawn, so no child ever starts. */
export class ChildEnvError extends VaultExecError {
  constructor(message: string) {
    super(message, EXIT.childEnvUnusable);
  }
}

/** The kernel stores one pointer per argv and envp string next to the strings themselves. */
const POINTER_BYTES = 8;
const BIGGEST_SHOWN = 3;
const ADVICE = 'store it in a file the app reads (or split it into several secrets)';

/**
 * Refuses a NUL byte anywhere in a name or value, one `NAME=value` over MAX_ARG_STRLEN, or arguments
 * and environment together over the room the stack limit leaves.
 */
export function assertChildEnvFits(
  command: string[],
  env: Record<string, string>,
  limits: ExecLimits = readExecLimits(),
): void {
  const sizes: Array<{ name: string; bytes: number }> = [];
  for (const [name, value] of Object.entries(env)) {
    const shown = escapeControlCharacters(name);
    if (name.includes('\0') || value.includes('\0'))
      throw new ChildEnvError(
        `the child's variable ${shown} contains a NUL byte, which no environment variable can hold: store the value base64-encoded, or ${ADVICE}`,
      );
    const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
    if (bytes > limits.maxStringBytes)
      throw new ChildEnvError(
        `the child's variable ${shown} is ${describeBytes(bytes)} as NAME=value, over the kernel's limit of ${limits.maxStringBytes} bytes for one environment string (MAX_ARG_STRLEN): ${ADVICE}`,
      );
    sizes.push({ name: shown, bytes });
  }
  if (limits.totalBytes === undefined) return;
  // execve also copies the program's path once, before argv (fs/exec.c, bprm->filename).
  const strings = [command[0] ?? '', ...command].reduce((sum, word) => sum + Buffer.byteLength(word) + 1, 0);
  const total =
    strings +
    sizes.reduce((sum, { bytes }) => sum + bytes, 0) +
    (command.length + sizes.length) * POINTER_BYTES;
  if (total <= limits.totalBytes) return;
  const biggest = [...sizes]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, BIGGEST_SHOWN)
    .map(({ name, bytes }) => `${name} (${bytes} bytes)`)
    .join(', ');
  throw new ChildEnvError(
    `the child's environment and arguments take ${describeBytes(total)}, over the kernel's limit of ${limits.totalBytes} bytes (a quarter of the stack limit, ulimit -s); the biggest variables are ${biggest}: move large values into files, or raise ulimit -s`,
  );
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 ? `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)` : `${bytes} bytes`;
}
