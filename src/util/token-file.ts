// A credential kept in a file (a role_id or secret_id file, a JWT or service-account token, a web
// identity token, a container endpoint's authorization token): read, trimmed, and refused when empty
// or unreadable, in the same words wherever it is read, at start-up or again later (a rotated file
// is read at every use).
import { readFileSync } from 'node:fs';
import { describeReadFailure } from './errors';

export type TokenFileRead = { ok: true; token: string } | { ok: false; message: string; cause?: unknown };

/** `name`: the flag or variable that named the file, for the message. */
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
