import { formatDuration } from '../duration';
import type { Logger } from '../log';
import type { VaultClient } from './client';
import { describeChange, readFingerprint, type SecretVersion } from './secret-versions';
import type { CurrentSession } from './watch';

/**
 * --watch: looks at the static secrets the child got every `intervalMs` (one timer; the paths are read
 * one after another, so a check is a handful of requests) and reports the first change. The caller
 * restarts the child with the new values, and starts a new watch from them.
 */
export function watchSecretVersions(options: {
  client: VaultClient;
  current: CurrentSession;
  versions: SecretVersion[];
  intervalMs: number;
  log: Logger;
  onChange(reason: string): void;
}): () => void {
  const { client, current, versions, intervalMs, log } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = versions.length === 0;

  const check = async (): Promise<void> => {
    for (const version of versions) {
      const fingerprint = await readFingerprint(client, current.session.token, version);
      if (stopped) return;
      if (fingerprint === undefined) {
        log.debug(
          `could not check ${version.apiPath} for changes; trying again in ${formatDuration(intervalMs)}`,
        );
      } else if (fingerprint !== version.fingerprint) {
        stopped = true;
        return options.onChange(`${version.apiPath} changed${describeChange(version, fingerprint)}`);
      }
    }
    schedule();
  };
  const schedule = (): void => {
    if (!stopped) timer = setTimeout(() => void check(), intervalMs);
  };

  if (!stopped)
    log.debug(
      `watching ${versions.length} secret path${versions.length === 1 ? '' : 's'} for changes every ${formatDuration(intervalMs)}`,
    );
  schedule();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
