// The two lines of /etc/passwd and /etc/group that --user needs. Read directly rather than through
// getpwnam(3): Node has no binding for it, and a container image's files are the only account
// database that matters there (no NSS, LDAP or systemd-userdbd in a scratch or slim image).
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

/** runc's (and so gosu's) upper bound: larger ids break tools that keep them in a signed int. */
export const MAX_ID = 2 ** 31 - 1;

/** `name:password:uid:gid:gecos:home:shell`; malformed lines, comments and NIS `+`/`-` lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const fields of splitLines(text)) {
    if (fields.length < 7) continue;
    const uid = parseId(fields[2]!);
    const gid = parseId(fields[3]!);
    if (uid === undefined || gid === undefined) continue;
    entries.push({ name: fields[0]!, uid, gid, home: fields[5]! });
  }
  return entries;
}

/** `name:password:gid:members`. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const fields of splitLines(text)) {
    if (fields.length < 3) continue;
    const gid = parseId(fields[2]!);
    if (gid === undefined) continue;
    entries.push({ name: fields[0]!, gid });
  }
  return entries;
}

/** A decimal id in range, or undefined: `1e3`, `0x10`, `-1` and ` 5` are not ids. */
export function parseId(text: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const id = Number(text);
  return id <= MAX_ID ? id : undefined;
}

function splitLines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '' && !line.startsWith('#') && !/^[+-]/.test(line))
    .map((line) => line.split(':'))
    .filter((fields) => fields[0] !== '');
}
