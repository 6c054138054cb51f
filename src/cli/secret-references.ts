// The ways a user names secrets (--secret, --secrets, `vault:` references in inherited variables),
// parsed without I/O. PATH stays as the user typed it; vault/secrets.ts resolves it against the mount.
import { UsageError, quote } from '../util/errors';

//   --secret NAME=PATH#KEY        one key under an env name of the user's choosing
//   --secrets [PREFIX=]PATH       every key of PATH, upper-cased, optionally prefixed
//   NAME=vault:PATH#KEY           an inherited env var whose whole value is a reference
//   NAME=..${vault:PATH#KEY}..    references interpolated inside a longer value
// PATH is CLI style (secret/app) or API style (secret/data/app).

export interface SecretRef {
  path: string;
  key: string;
}

/** One text per reference, as maps of resolved values key them. */
export function refKey(ref: SecretRef): string {
  return `${ref.path}#${ref.key}`;
}

export interface SecretMapping {
  name: string;
  ref: SecretRef;
}

export interface PathImport {
  path: string;
  prefix: string;
}

/** A template is literal text and references, in order; a whole-value reference is one part. */
export type TemplatePart = { literal: string } | { ref: SecretRef };

export interface EnvTemplate {
  name: string;
  parts: TemplatePart[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHOLE_REFERENCE_PREFIX = 'vault:';
// The body ends at the first "}", and its PATH (before "#") never contains another "${vault:": in
// "${vault:${vault:a#b}" the first opener is unterminated, not a reference to the path "${vault:a".
const INLINE_REFERENCE = /\$\{vault:((?:(?!\$\{vault:)[^}#])*(?:#[^}]*)?)\}/g;

export function isValidEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** Parses "PATH#KEY". `where` says where the text came from, for the error message. */
export function parseRef(text: string, where: string): SecretRef {
  const ref = splitRef(text);
  if (ref.path === '' || ref.key === '') {
    throw new UsageError(
      `invalid secret reference ${quote(text)} in ${where}: expected PATH#KEY, e.g. secret/app/db#password`,
    );
  }
  checkPath(ref.path, where);
  return ref;
}

/** The key is everything after the first "#": Vault keys may hold one. */
function splitRef(text: string): SecretRef {
  const hash = text.indexOf('#');
  return {
    path: normalisePath(hash === -1 ? text : text.slice(0, hash)),
    key: hash === -1 ? '' : text.slice(hash + 1),
  };
}

/** Parses a --secret value: NAME=PATH#KEY. */
export function parseSecretMapping(text: string): SecretMapping {
  const equals = text.indexOf('=');
  const name = equals === -1 ? '' : text.slice(0, equals);
  if (!isValidEnvName(name)) {
    throw new UsageError(
      `invalid --secret ${quote(text)}: expected NAME=PATH#KEY where NAME is a letter or _ followed by letters, digits or _`,
    );
  }
  return { name, ref: parseRef(text.slice(equals + 1), `--secret ${name}`) };
}

/** Parses a --secrets value: PATH, or PREFIX=PATH (the prefix is prepended to every key's name). */
export function parsePathImport(text: string): PathImport {
  const trimmed = text.trim();
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
  const prefix = match ? match[1]! : '';
  const path = normalisePath(match ? match[2]! : trimmed);
  if (path === '' || path.includes('#')) {
    throw new UsageError(
      `invalid --secrets ${quote(text)}: expected PATH or PREFIX=PATH, e.g. --secrets DB_=secret/app/db`,
    );
  }
  checkPath(path, `--secrets ${quote(text)}`);
  return { path, prefix };
}

/**
 * What the inherited environment holds: the variables with references, and the names of those whose
 * value starts with "vault:" without being a reference (an image tag such as "vault:1.13.3"); they
 * pass to the child untouched, and the names are there for a debug line (never the values).
 */
export interface EnvReferences {
  templates: EnvTemplate[];
  lookalikes: string[];
}

/**
 * Finds references in inherited env values. Only a whole value that parses as vault:PATH#KEY is a
 * reference; a value holding "${vault:" is a template, and a half-written one is an error, since
 * nothing but a reference is spelled that way.
 */
export function findEnvTemplates(env: Record<string, string | undefined>): EnvReferences {
  const templates: EnvTemplate[] = [];
  const lookalikes: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (value.includes('${vault:')) {
      templates.push({ name, parts: parseTemplate(value, `environment variable ${name}`) });
    } else if (value.startsWith(WHOLE_REFERENCE_PREFIX)) {
      const ref = splitRef(value.slice(WHOLE_REFERENCE_PREFIX.length));
      if (ref.key !== '' && isUsablePath(ref.path)) templates.push({ name, parts: [{ ref }] });
      else lookalikes.push(name);
    }
  }
  return { templates, lookalikes };
}

/**
 * Literal text and `${vault:PATH#KEY}` references, in order: an env value holding references, or the
 * text of a --template file. `where` names it for the messages ("environment variable X").
 */
export function parseTemplate(value: string, where: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of value.matchAll(INLINE_REFERENCE)) {
    if (match.index > last) parts.push({ literal: value.slice(last, match.index) });
    parts.push({ ref: parseRef(match[1]!, where) });
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push({ literal: value.slice(last) });
  // A "${vault:" left in the literal text is a reference missing its "}", wherever it stands.
  if (parts.some((part) => 'literal' in part && part.literal.includes('${vault:'))) {
    throw new UsageError(`unterminated reference in ${where}: expected \${vault:PATH#KEY}`);
  }
  return parts;
}

function checkPath(path: string, where: string): void {
  if (!isUsablePath(path)) {
    throw new UsageError(
      `invalid secret path ${quote(path)} in ${where}: use slash-separated names without spaces, "?", "." or ".." segments`,
    );
  }
}

/** Slash-separated names: no whitespace, query, empty, "." or ".." segments that would change the request. */
export function isUsablePath(path: string): boolean {
  return (
    !/[\s?]/.test(path) &&
    !path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')
  );
}

function normalisePath(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}
