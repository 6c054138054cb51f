// Whether a project file vault-exec found by itself may be used at all.
import { UsageError, escapeControlCharacters } from '../util/errors';
import type { ResolveIo } from './io';

/**
 * A file vault-exec found by itself (not one it was given) is used only if it is yours: owned by
 * you or root, and writable by nobody else. The search climbs above the project when there is no
 * `.git`, up to `/`, so a vault-exec.yaml planted in a shared directory (/tmp) by another user could
 * otherwise choose the command `vault-exec run` starts and where your token goes. Git refuses a
 * repository of another owner the same way (`safe.directory`).
 */
export function assertFoundFileIsTrusted(path: string, io: Pick<ResolveIo, 'uid' | 'stat'>): void {
  if (io.uid === undefined) return;
  const { uid: owner, mode } = io.stat(path);
  const shown = escapeControlCharacters(path);
  if (owner !== io.uid && owner !== 0)
    throw new UsageError(
      `refusing the project file ${shown}: it belongs to uid ${owner}, not to you; move it, or pass it with --config if you trust it`,
    );
  if ((mode & 0o022) !== 0)
    throw new UsageError(
      `refusing the project file ${shown}: others may write to it (mode ${(mode & 0o777).toString(8)}); ` +
        `chmod go-w it, or pass it with --config if you trust it`,
    );
}
