// One line per event on stderr, "vault-exec: …" (text) or a JSON object (json); stdout is the child's.
// Messages hold names, paths and addresses only; as a second line of defence every value registered
// with `redact()` (token, secret_id, role_id, secret values) is masked before anything is written.
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

/**
 * A value shorter than this is not masked in vault-exec's own lines: replacing every "a" or "42"
 * would garble all output and, by what disappears, show the value anyway. The logger says so at
 * debug level, without the value. Its JSON spelling counts on its own: `a"` is masked where it
 * appears as `a\"`.
 */
export const MIN_REDACTED_LENGTH = 3;
const MASK = '[redacted]';

/** The set of values that must never be printed, shared by the logger and the guarded streams. */
export interface Redactor {
  /** Returns false when the value is too short to be masked (see MIN_REDACTED_LENGTH). */
  add(value: string): boolean;
  mask(text: string): string;
  /** Every value registered so far, for --mask to look for in the child's output too. */
  values(): string[];
}

export function createRedactor(): Redactor {
  const secrets = new Set<string>();
  const remember = (value: string): void => {
    if (value.length >= MIN_REDACTED_LENGTH) secrets.add(value);
  };
  return {
    add(value) {
      remember(value);
      // A JSON line escapes quotes and backslashes; mask that spelling too.
      remember(JSON.stringify(value).slice(1, -1));
      return value.length >= MIN_REDACTED_LENGTH;
    },
    mask(text) {
      return maskRanges(text, secrets);
    },
    values: () => [...secrets],
  };
}

/**
 * Masks every occurrence of every secret in one pass over their merged ranges. Replacing one secret
 * after another would leak: with "abc" and "abcdef" registered, masking "abc" first leaves "def"
 * (so would longest-first, for secrets that overlap without one containing the other).
 */
function maskRanges(text: string, secrets: Set<string>): string {
  const ranges: Array<[number, number]> = [];
  for (const secret of secrets) {
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1))
      ranges.push([at, at + secret.length]);
  }
  if (ranges.length === 0) return text;
  ranges.sort(([a], [b]) => a - b);
  let masked = '';
  let written = 0;
  let [start, end] = ranges[0]!;
  for (const [from, to] of ranges) {
    if (from > end) {
      masked += text.slice(written, start) + MASK;
      written = end;
      start = from;
    }
    end = Math.max(end, to);
  }
  return masked + text.slice(written, start) + MASK + text.slice(end);
}

/**
 * Masks known secrets in everything this process writes to `stream`, not only our own log lines.
 * Node reads NODE_DEBUG at start-up, before any of our code runs, and NODE_DEBUG=net then prints
 * every new connection's options, X-Vault-Token header included; the child shares our environment.
 * Node's debug output goes through stream.write, so masking there closes that hole and any like it.
 * (The child's own output is not affected: it writes to the inherited file descriptors directly.)
 */
export function guardStream(stream: NodeJS.WriteStream, redactor: Redactor): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  unguardedWrites.set(stream, write);
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
    return write(text === undefined ? chunk : redactor.mask(text), ...rest);
  }) as typeof stream.write;
}

const unguardedWrites = new WeakMap<NodeJS.WritableStream, (chunk: unknown, ...rest: unknown[]) => boolean>();

/**
 * Writes past the guard: for the two outputs whose content is deliberate, `vault-exec env`'s values and
 * the child's output under --mask (already masked, and passed on as bytes so a character split
 * across two writes is not mangled by decoding it).
 */
export function writeUnguarded(
  stream: NodeJS.WritableStream,
  chunk: string | Uint8Array,
  done?: (error?: Error | null) => void,
): boolean {
  const write = unguardedWrites.get(stream);
  return write ? write(chunk, done) : stream.write(chunk, done);
}

export function createLogger(options: {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
  redactor?: Redactor;
}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const threshold = LOG_LEVELS.indexOf(options.level);
  const redactor = options.redactor ?? createRedactor();
  const mask = redactor.mask;

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
      if (!redactor.add(value) && value !== '')
        emit(
          'debug',
          `a secret value of ${value.length} character${value.length === 1 ? '' : 's'} is too short to be masked in log lines`,
        );
    },
  };
}
