// Test child for --mask: prints the secrets it was given (SECRET_ONE, SECRET_PEM) every way a program
// might, to stdout and stderr, then exits with $EXIT_CODE. Masking must leave none of them readable.
import { writeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

const one = process.env.SECRET_ONE ?? '';
const pem = process.env.SECRET_PEM ?? '';

writeSync(1, `whole: ${one}\n`);
writeSync(2, `on stderr: ${one}\n`);
// Split across writes, inside one line. The pauses only make separate reads on the other end likely;
// the unit tests of the masker cover every split point deterministically.
for (const part of [`split: ${one.slice(0, 3)}`, one.slice(3, 9), `${one.slice(9)} end\n`]) {
  writeSync(1, part);
  await delay(20);
}
writeSync(1, `${JSON.stringify({ level: 'info', password: one, key: pem })}\n`);
writeSync(1, `multi-line:\n${pem}\n`);
writeSync(1, `no newline at the end: ${one}`);
process.exit(Number(process.env.EXIT_CODE ?? 0));
