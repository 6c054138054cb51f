import { statSync } from 'node:fs';
import { UsageError, escapeControlCharacters } from '../util/errors';

/**
 * A file vault-exec found by itself (not one it was given) is used only if it is yours: owned by
 * you or root, and writable by nobody else. The search climbs above the project when there is no
 * `.git`, up to `/`, so a vault-exec.yaml planted in a shared directory (/tmp) by another user could
 * otherwise choose the command `vault-exec run` starts and where your token goes. Git refuses a
 * repository of another owner the same way (`safe.directory`).
 */
export function assertFoundFileIsTrusted(
  path: string,
  uid: number | undefined = process.getuid?.(),
  stat: (path: string) => { uid: number; mode: number } = statSync,
): void {
  if (uid === undefined) return;
  const { uid: owner, mode } = stat(path);
  const shown = escapeControlCharacters(path);
  if (owner !== uid && owner !== 0)
    throw new UsageError(
      `refusing the project file ${shown}: it belongs to uid ${owner}, not to you; move it, or pass it with --config if you trust it`,
    );
  if ((mode & 0o022) !== 0)
    throw new UsageError(
      `refusing the project file ${shown}: others may write to it (mode ${(mode & 0o777).toString(8)}); ` +
        `chmod go-w it, or pass it with --config if you trust it`,
    );
}
