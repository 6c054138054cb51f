// --user: looks up <user[:group]> in the image's account files, as gosu does (the resolve step).
import { UsageError, quote } from '../util/errors';
import type { RunAs } from '../cli/config';
import { parseGroup, parseId, parsePasswd, type GroupEntry, type PasswdEntry } from './accounts';

export const PASSWD_FILE = '/etc/passwd';
export const GROUP_FILE = '/etc/group';
/** gosu's and runc's HOME for a uid without a passwd entry. */
const HOME_WITHOUT_ENTRY = '/';
const SPEC_HINT = 'expected <name|uid>[:<group|gid>], e.g. --user app or --user 1000:1000';

export interface RunAsSources {
  readFile(path: string): string;
  /** vault-exec's own ids; undefined where the platform has none (Windows). */
  uid: number | undefined;
  gid: number | undefined;
}

/**
 * Resolves `<name|uid>[:<group|gid>]` as gosu does (runc's GetExecUser): a name must exist in
 * /etc/passwd; a numeric uid takes its entry's gid and home when there is one, otherwise it keeps
 * vault-exec's own gid (0, as `docker run --user 1000` does) and HOME=/. A group, when given, replaces
 * the gid; a group name must exist in /etc/group, a numeric gid need not.
 */
export function resolveRunAs(spec: string, sources: RunAsSources): RunAs {
  if (sources.uid !== 0) {
    const who = sources.uid === undefined ? 'on this platform' : `as uid ${sources.uid}`;
    throw new UsageError(
      `--user needs vault-exec to start as root, but it runs ${who}: start it as root (the image's default user) or drop --user`,
    );
  }
  const colon = spec.indexOf(':');
  const userPart = colon === -1 ? spec : spec.slice(0, colon);
  const groupPart = colon === -1 ? undefined : spec.slice(colon + 1);
  if (userPart === '' || groupPart === '' || groupPart?.includes(':'))
    throw new UsageError(`invalid value ${quote(spec)} for --user: ${SPEC_HINT}`);

  const user = resolveUser(spec, userPart, sources);
  const gid =
    groupPart === undefined
      ? (user.gid ?? sources.gid ?? 0)
      : resolveGroup(spec, groupPart, () => readAccounts(GROUP_FILE, sources, parseGroup));
  return { uid: user.uid, gid, name: user.name, home: user.home };
}

function resolveUser(
  spec: string,
  userPart: string,
  sources: RunAsSources,
): { uid: number; gid?: number; name?: string; home: string } {
  const numeric = parseId(userPart);
  if (numeric === undefined && /^[0-9]+$/.test(userPart))
    throw new UsageError(`invalid value ${quote(spec)} for --user: uid ${userPart} is out of range`);
  if (numeric !== undefined) {
    // A numeric uid needs no entry, so an image without /etc/passwd (scratch, distroless) still works.
    const entries = tryReadAccounts(PASSWD_FILE, sources, parsePasswd);
    const entry = entries.find((candidate) => candidate.uid === numeric);
    return entry ? fromEntry(entry) : { uid: numeric, home: HOME_WITHOUT_ENTRY };
  }
  const entry = readAccounts(PASSWD_FILE, sources, parsePasswd).find(
    (candidate) => candidate.name === userPart,
  );
  if (!entry)
    throw new UsageError(
      `--user ${quote(spec)}: no user ${quote(userPart)} in ${PASSWD_FILE}: create it in the image (useradd) or give a numeric uid`,
    );
  return fromEntry(entry);
}

function resolveGroup(spec: string, groupPart: string, groups: () => GroupEntry[]): number {
  const numeric = parseId(groupPart);
  if (numeric !== undefined) return numeric;
  if (/^[0-9]+$/.test(groupPart))
    throw new UsageError(`invalid value ${quote(spec)} for --user: gid ${groupPart} is out of range`);
  const entry = groups().find((candidate) => candidate.name === groupPart);
  if (!entry)
    throw new UsageError(
      `--user ${quote(spec)}: no group ${quote(groupPart)} in ${GROUP_FILE}: create it in the image (groupadd) or give a numeric gid`,
    );
  return entry.gid;
}

function fromEntry(entry: PasswdEntry): { uid: number; gid: number; name: string; home: string } {
  return { uid: entry.uid, gid: entry.gid, name: entry.name, home: entry.home || HOME_WITHOUT_ENTRY };
}

function readAccounts<T>(path: string, sources: RunAsSources, parse: (text: string) => T[]): T[] {
  try {
    return parse(sources.readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(
      `--user needs ${path} to look up a name, but it cannot be read (${code}): give numeric ids instead, e.g. --user 1000:1000`,
      { cause: error },
    );
  }
}

function tryReadAccounts<T>(path: string, sources: RunAsSources, parse: (text: string) => T[]): T[] {
  try {
    return parse(sources.readFile(path));
  } catch {
    return [];
  }
}
