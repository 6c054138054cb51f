// A token kept in a file (a web identity token, a container endpoint's authorization token): read,
// trimmed, and refused when empty or unreadable, in the same words at start-up and when read again
// later (the file is rotated, so it is read at every use).
import { readFileSync } from 'node:fs';
import { describeReadFailure } from './errors';

export type TokenFileRead = { ok: true; token: string } | { ok: false; message: string; cause?: unknown };

/** `name`: the variable that named the file, for the message. */
export function readTokenFile(
  path: string,
  name: string,
  readFile: (path: string) => string = (file) => readFileSync(file, 'utf8'),
): TokenFileRead {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    return { ok: false, message: `cannot read ${name} ${path}: ${describeReadFailure(error)}`, cause: error };
  }
  const token = text.trim();
  return token === '' ? { ok: false, message: `${name} ${path} is empty` } : { ok: true, token };
}
