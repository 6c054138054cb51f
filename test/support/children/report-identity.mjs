// Test child for --user: prints `IDENTITY {json}` on one line with its uid, gid and supplementary
// groups, the HOME/USER/LOGNAME it was given, the SHA-256 of $SECRET (never the value), and for each
// path on its command line whether it could read it. `parent-environ` stands for
// /proc/<parent pid>/environ, reported as whether it held VAULT_SECRET_ID (never its contents).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const attempt = (path) => {
  try {
    const content = readFileSync(path, 'latin1');
    return path.endsWith('/environ')
      ? `readable, VAULT_SECRET_ID ${content.includes('VAULT_SECRET_ID=') ? 'present' : 'absent'}`
      : 'readable';
  } catch (error) {
    return error.code ?? String(error);
  }
};
const paths = process.argv
  .slice(2)
  .map((arg) => (arg === 'parent-environ' ? `/proc/${process.ppid}/environ` : arg));
const statusGroups = /^Groups:[ \t]*(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1].trim() ?? '';

const report = {
  uid: process.getuid(),
  gid: process.getgid(),
  euid: process.geteuid(),
  egid: process.getegid(),
  groups: statusGroups === '' ? [] : statusGroups.split(/\s+/).map(Number),
  env: { HOME: process.env.HOME, USER: process.env.USER, LOGNAME: process.env.LOGNAME },
  secretSha256: process.env.SECRET && createHash('sha256').update(process.env.SECRET).digest('hex'),
  reads: Object.fromEntries(process.argv.slice(2).map((arg, index) => [arg, attempt(paths[index])])),
};
process.stdout.write(`IDENTITY ${JSON.stringify(report)}\n`);
