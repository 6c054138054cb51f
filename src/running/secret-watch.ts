// --watch: every interval, reads the comparable secrets the running child got, and reports every path
// that changed in one call, so several changes within an interval give one restart. A check that
// cannot read a path (Vault down, sealed, restarted) says so once, at warn, and again when it can.
import { formatDuration } from '../util/duration';
import type { Logger } from '../util/log';
import { NO_OBSERVER, type Observer } from '../util/observer';
import type { VaultClient } from '../vault/http/client';
import { describeChange, readFingerprint, type SecretVersion } from '../vault/secret-versions';

/**
 * One timer; the paths are read one after another, so a check is a handful of requests. No check runs
 * while a restart it asked for is being prepared; if that restart could not be prepared, the next
 * check finds the change again and asks again. The running phase starts a new watch for every child.
 *
 * Failed checks come in streaks (Vault away for minutes): the first failed check of a streak is one
 * warning, the later ones are debug lines, and the first whole check after it is one info line.
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
  /** Failed checks in a row, so that only the first of a streak is a warning. */
  let failedChecks = 0;

  const check = async (): Promise<void> => {
    const changes: string[] = [];
    const changed = new Set<string>();
    const unreadable: { path: string; reason: string }[] = [];
    for (const version of versions) {
      const read = await readFingerprint(client, options.token(), version);
      if (stopped) return;
      if ('unreadable' in read) {
        unreadable.push({ path: version.apiPath, reason: read.unreadable });
      } else if (read.fingerprint !== version.fingerprint) {
        changed.add(version.apiPath);
        changes.push(`${version.apiPath} changed${describeChange(version, read.fingerprint)}`);
      }
    }
    reportReadability(unreadable);
    observer.secretCheck(changed.size > 0 ? 'changed' : unreadable.length > 0 ? 'error' : 'unchanged');
    if (changed.size === 0) {
      if (unreadable.length === 0)
        log.debug('checked the watched secrets: no change', { event: 'watch-checked' });
    } else if (await options.onChange(changes.join('; '), changed)) return;
    schedule();
  };
  const reportReadability = (unreadable: { path: string; reason: string }[]): void => {
    const every = formatDuration(intervalMs);
    if (unreadable.length === 0) {
      if (failedChecks > 0)
        log.info(
          `the watched secrets can be checked again, after ${failedChecks} failed check${failedChecks === 1 ? '' : 's'}`,
          { event: 'watch-recovered' },
        );
      failedChecks = 0;
      return;
    }
    failedChecks += 1;
    const [first, ...others] = unreadable;
    if (failedChecks === 1) {
      const more =
        others.length > 0 ? ` (and ${others.length} other path${others.length === 1 ? '' : 's'})` : '';
      log.warn(
        `could not check ${first!.path} for changes: ${first!.reason}${more}; the child keeps running, and vault-exec tries again every ${every}`,
        { event: 'watch-failed' },
      );
    }
    for (const { path, reason } of failedChecks === 1 ? others : unreadable)
      log.debug(`could not check ${path} for changes: ${reason}; trying again in ${every}`);
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
