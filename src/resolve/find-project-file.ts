import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../util/errors';

export const PROJECT_FILE_NAMES = ['vault-exec.yaml', 'vault-exec.yml'] as const;

/**
 * Looks for the project file from `cwd` upwards, as git looks for its own directory. The search
 * stops at the first directory holding `.git` (the repository root; a worktree's `.git` is a file),
 * at `home` or at the filesystem root, each of which is still searched: a file above the project
 * belongs to some other project, never to this one.
 */
export function findProjectFile(cwd: string, home: string | undefined): string | undefined {
  const stopAt = home === undefined || home === '' ? undefined : resolve(home);
  for (let directory = resolve(cwd); ; directory = dirname(directory)) {
    const found = PROJECT_FILE_NAMES.map((name) => join(directory, name)).filter((path) => existsSync(path));
    if (found.length > 1)
      throw new UsageError(`both ${PROJECT_FILE_NAMES.join(' and ')} are in ${directory}: keep one of them`);
    if (found.length === 1) return found[0];
    if (existsSync(join(directory, '.git')) || directory === stopAt || dirname(directory) === directory)
      return undefined;
  }
}
