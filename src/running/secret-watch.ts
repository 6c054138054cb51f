// --watch: every interval, reads the comparable secrets the running child got, and reports every path
// that changed in one call, so several changes within an interval give one restart.
import { formatDuration } from '../util/duration';
import type { Logger } from '../util/log';
import { NO_OBSERVER, type Observer } from '../util/observer';
import type { VaultClient } from '../vault/http/client';
import { describeChange, readFingerprint, type SecretVersion } from '../vault/secret-versions';

/**
 * One timer; the paths are read one after another, so a check is a handful of requests. No check runs
 * while a restart it asked for is being prepared; if that restart could not be prepared, the next
 * check finds the change again and asks again. The running phase starts a new watch for every child.
 */
export function watchSecrets(options: {
  client: VaultClient;
  token: () => string;
  versions: SecretVersion[];
  intervalMs: number;
  log: Logger;
  /** Resolves once the restart was prepared (true) or could not be (false). */
  onChange(reason: string, changed: ReadonlySet<string>): Promise<boolean>;
  observer?: Observer;
}): () => void {
  const { client, versions, intervalMs, log } = options;
  const observer = options.observer ?? NO_OBSERVER;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = versions.length === 0;

  const check = async (): Promise<void> => {
    const changes: string[] = [];
    const changed = new Set<string>();
    let unreadable = false;
    for (const version of versions) {
      const fingerprint = await readFingerprint(client, options.token(), version);
      if (stopped) return;
      if (fingerprint === undefined) {
        unreadable = true;
        log.debug(
          `could not check ${version.apiPath} for changes; trying again in ${formatDuration(intervalMs)}`,
        );
      } else if (fingerprint !== version.fingerprint) {
        changed.add(version.apiPath);
        changes.push(`${version.apiPath} changed${describeChange(version, fingerprint)}`);
      }
    }
    observer.secretCheck(changed.size > 0 ? 'changed' : unreadable ? 'error' : 'unchanged');
    if (changed.size === 0) log.debug('checked the watched secrets: no change', { event: 'watch-checked' });
    else if (await options.onChange(changes.join('; '), changed)) return;
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
