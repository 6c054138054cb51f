/**
 * One line per event on stderr, prefixed "vault-exec:" (text) or as a JSON object (json).
 * stdout belongs to the child, so nothing of ours ever goes there.
 *
 * Messages are built from names, paths and addresses only. As a second line of defence every value
 * registered with `redact()` (token, secret_id, role_id, secret values) is masked before a line is
 * written, so a mistake in a message cannot leak a secret.
 */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** Registers a value that must never appear in output. */
  redact(value: string): void;
}

/** Shorter values would mask ordinary words in log lines without protecting anything. */
const MIN_REDACTED_LENGTH = 4;
const MASK = '[redacted]';

export function createLogger(options: {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const threshold = LOG_LEVELS.indexOf(options.level);
  const secrets = new Set<string>();

  const mask = (text: string): string => {
    let masked = text;
    for (const secret of secrets) masked = masked.split(secret).join(MASK);
    return masked;
  };

  const emit = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(level) > threshold) return;
    const line =
      options.format === 'json'
        ? JSON.stringify({ time: now().toISOString(), level, msg: message, ...fields })
        : `vault-exec: ${level === 'warn' ? 'warning: ' : ''}${message}`;
    write(`${mask(line)}\n`);
  };

  return {
    error: (message, fields) => emit('error', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    info: (message, fields) => emit('info', message, fields),
    debug: (message, fields) => emit('debug', message, fields),
    redact: (value) => {
      if (value.length >= MIN_REDACTED_LENGTH) secrets.add(value);
      // A JSON line escapes quotes and backslashes; mask that spelling too.
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value && escaped.length >= MIN_REDACTED_LENGTH) secrets.add(escaped);
    },
  };
}
