// The upward search for vault-exec.yaml, and the repository a found file belongs to.
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../util/errors';
import type { ResolveIo } from './io';

export const PROJECT_FILE_NAMES = ['vault-exec.yaml', 'vault-exec.yml'] as const;

type SearchIo = Pick<ResolveIo, 'stat'>;

/**
 * Looks for the project file from `cwd` upwards, as git looks for its own directory. The search
 * stops at the first directory holding `.git` (the repository root; a worktree's `.git` is a file),
 * at `home` or at the filesystem root, each of which is still searched: a file above the project
 * belongs to some other project, never to this one.
 */
export function findProjectFile(cwd: string, home: string | undefined, io: SearchIo): string | undefined {
  const stopAt = home === undefined || home === '' ? undefined : resolve(home);
  for (let directory = resolve(cwd); ; directory = dirname(directory)) {
    const found = PROJECT_FILE_NAMES.map((name) => join(directory, name)).filter((path) => exists(path, io));
    if (found.length > 1)
      throw new UsageError(`both ${PROJECT_FILE_NAMES.join(' and ')} are in ${directory}: keep one of them`);
    if (found.length === 1) return found[0];
    if (exists(join(directory, '.git'), io) || directory === stopAt || dirname(directory) === directory)
      return undefined;
  }
}

/**
 * The repository a found file belongs to, which bounds what the file may reach: the nearest directory
 * at or above the file's own that holds `.git`, else the file's directory. Your home directory (a
 * dotfiles repository) and `/` count only when the file sits right there, so a file without a `.git`
 * of its own (an unpacked tarball) cannot claim all of your home.
 */
export function findRepositoryRoot(file: string, home: string | undefined, io: SearchIo): string {
  const own = dirname(resolve(file));
  const stopAt = home === undefined || home === '' ? undefined : resolve(home);
  for (let directory = own; ; directory = dirname(directory)) {
    const atLimit = directory === stopAt || dirname(directory) === directory;
    if (atLimit && directory !== own) return own;
    if (exists(join(directory, '.git'), io)) return directory;
    if (atLimit) return own;
  }
}

function exists(path: string, io: SearchIo): boolean {
  try {
    io.stat(path);
    return true;
  } catch {
    return false;
  }
}
