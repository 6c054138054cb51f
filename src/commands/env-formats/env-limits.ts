// What `vault-exec env` may print in a format whose readers make every value an environment variable
// (dotenv, docker, shell, github): what execve(2) would refuse later is refused now, with the exit code
// (65) and the limits a start applies to its child (child/env-limits.ts).
import { readExecLimits, type ExecLimits } from '../../child/kernel-limits';
import { VaultExecError, escapeControlCharacters } from '../../util/errors';
import { EXIT } from '../../util/exit-codes';

/** The kernel stores one pointer per environment string next to the strings themselves. */
const POINTER_BYTES = 8;
const BIGGEST_SHOWN = 3;
const ADVICE = 'store it in a file the app reads (or split it into several secrets), or use --format json';

/**
 * Refuses, before anything is printed, a value that cannot be an environment variable: a NUL byte,
 * one `NAME=value` over MAX_ARG_STRLEN, or all of them together over the room execve leaves for a
 * command's environment and arguments (checked for the printed variables alone, so the refusal is
 * never wrong: whatever else the later commands carry only adds to them). Names and sizes only.
 * Printed, such a value would fail every command of the shell that ran `eval`, the container, or the
 * next workflow step. json is exempt: its readers are programs (jq, a script) that hold values in
 * memory, where no kernel limit applies.
 */
export function assertPrintable(
  values: ReadonlyMap<string, string>,
  format: string,
  limits: ExecLimits = readExecLimits(),
): void {
  if (format === 'json') return;
  let total = 0;
  const sizes: Array<{ name: string; bytes: number }> = [];
  for (const [name, value] of values) {
    checkNoNul(name, value, format);
    const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
    if (bytes > limits.maxStringBytes)
      refuseUnsettable(
        `cannot write ${shown(name)} in the ${format} format: as NAME=value it is ${describeBytes(bytes)}, over the kernel's limit of ${limits.maxStringBytes} bytes for one environment variable (MAX_ARG_STRLEN), so no command could start with it; ${ADVICE}`,
      );
    total += bytes + POINTER_BYTES;
    sizes.push({ name: shown(name), bytes });
  }
  if (limits.totalBytes === undefined || total <= limits.totalBytes) return;
  const biggest = sizes
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, BIGGEST_SHOWN)
    .map(({ name, bytes }) => `${name} (${bytes} bytes)`)
    .join(', ');
  refuseUnsettable(
    `cannot write these ${sizes.length} variables in the ${format} format: together they take ${describeBytes(total)} as an environment, over the kernel's limit of ${limits.totalBytes} bytes for a command's environment and arguments (a quarter of the stack limit, ulimit -s), so no command could start with them; the biggest are ${biggest}: move large values into files, raise ulimit -s, or use --format json`,
  );
}

/** Every format but json ends in a real environment variable, which a NUL byte would cut short. */
export function checkNoNul(name: string, value: string, format: string): void {
  if (value.includes('\0'))
    refuseUnsettable(
      `cannot write ${shown(name)} in the ${format} format: its value contains a NUL byte, which no environment variable can hold; store it base64-encoded, or use --format json`,
    );
}

function refuseUnsettable(message: string): never {
  throw new VaultExecError(message, EXIT.childEnvUnusable);
}

/** Names from the inherited environment may hold anything; a refusal line stays one line. */
function shown(name: string): string {
  return escapeControlCharacters(name);
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 ? `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)` : `${bytes} bytes`;
}
