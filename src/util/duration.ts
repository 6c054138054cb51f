// Durations as flags take them ("1m30s", or seconds as the Vault CLI reads a bare number) and as log
// lines show them.
import { UsageError, quote } from './errors';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer one would fire at once. */
export const MAX_DURATION_MS = 2_147_483_647;

/**
 * Parses "500ms", "10s", "1m30s", "2h" or a bare number of seconds (as the Vault CLI accepts) into
 * milliseconds. `what` names the flag for the error message.
 */
export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim();
  const parts = /^\d+(\.\d+)?$/.test(trimmed)
    ? [[trimmed, trimmed, 's']]
    : [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new UsageError(
      `invalid duration ${quote(text)} for ${what}: use a number of seconds or a value like 500ms, 10s, 1m30s`,
    );
  }
  const ms = Math.round(
    parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_MS[unit as string]!, 0),
  );
  if (!(ms <= MAX_DURATION_MS))
    throw new UsageError(`duration ${quote(text)} for ${what} is too long: the limit is 596h`);
  return ms;
}

/** Formats milliseconds for log lines: "850 ms", "4 s", "2 m 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} m` : `${minutes} m ${rest} s`;
}
