// The streaming masker behind --mask: every secret in a byte stream is replaced with `***`, whatever the
// write boundaries were, and the output is exactly what masking the whole stream at once would give
// (leftmost match first, the longest when several start there).
export const MASK = '***';

/**
 * A line of a value (or its trimmed or JSON form) shorter than this is not looked for: masking "{" or
 * "ok" would garble every line of the child's output and protect nothing. This is not the log
 * redactor's floor: MIN_REDACTED_LENGTH (util/log.ts) is 3 and applies to whole values in
 * vault-exec's own lines.
 */
export const MIN_MASKED_LENGTH = 4;

export interface OutputMasker {
  /** Masks what can be decided now and holds back a possible start of a secret. */
  write(chunk: Uint8Array): Buffer;
  /** At the end of the stream: the held-back tail, masked as far as it goes. */
  end(): Buffer;
}

/**
 * What to look for: each line of each value (a multi-line value is printed and logged line by line,
 * and GitHub masks the same way), trimmed and not, and each line as it looks inside a JSON string,
 * with and without non-ASCII characters escaped (JavaScript and Python's json write them differently).
 */
export function maskPatternsOf(values: Iterable<string>): Buffer[] {
  const patterns = new Set<string>();
  for (const value of values) {
    for (const line of value.split(/\r\n|\r|\n/)) {
      const inJson = JSON.stringify(line).slice(1, -1);
      // Trimmed too: an indented line of a pretty-printed value is often printed without its indent.
      for (const form of [line, line.trim(), inJson, escapeNonAscii(inJson)])
        if (form.length >= MIN_MASKED_LENGTH) patterns.add(form);
    }
  }
  return [...patterns].map((pattern) => Buffer.from(pattern, 'utf8'));
}

/**
 * Patterns are matched on bytes, so a multi-byte character or a secret split across two writes is
 * handled like any other. Everything that cannot be the start of a secret is passed on at once; only a
 * tail that is still a prefix of some secret is held back, until the next write decides it or the
 * stream ends. So the buffer never holds more than the longest secret, even for a very long line with
 * no newline.
 */
export function createOutputMasker(patterns: readonly Uint8Array[]): OutputMasker {
  // Longest first, so the first full match found at a position is the longest one there.
  const byFirstByte: Array<Buffer[] | undefined> = new Array(256);
  // The first two bytes of every pattern, as a 64 Ki bitmap: most positions are ruled out by one
  // array read, so the byte-by-byte scan runs at hundreds of MB/s instead of a compare per byte.
  const startsWith = new Uint8Array(65_536);
  for (const pattern of [...patterns].sort((a, b) => b.length - a.length)) {
    if (pattern.length === 0) continue;
    (byFirstByte[pattern[0]!] ??= []).push(Buffer.from(pattern));
    if (pattern.length > 1) startsWith[(pattern[0]! << 8) | pattern[1]!] = 1;
    else startsWith.fill(1, pattern[0]! << 8, (pattern[0]! + 1) << 8);
  }
  const mask = Buffer.from(MASK);
  let held: Buffer = Buffer.alloc(0);

  const scan = (data: Buffer, final: boolean): Buffer => {
    const parts: Buffer[] = [];
    let plainFrom = 0;
    let position = 0;
    scanning: while (position < data.length) {
      const first = data[position]!;
      const candidates = byFirstByte[first];
      if (
        candidates === undefined ||
        (position + 1 < data.length && startsWith[(first << 8) | data[position + 1]!] === 0)
      ) {
        position++;
        continue;
      }
      const available = data.length - position;
      let matched = 0;
      for (const pattern of candidates) {
        if (available >= pattern.length) {
          if (data.compare(pattern, 0, pattern.length, position, position + pattern.length) === 0) {
            matched = pattern.length;
            break;
          }
        } else if (!final && data.compare(pattern, 0, available, position, data.length) === 0) {
          // A longer secret may be arriving: decide when more bytes come.
          break scanning;
        }
      }
      if (matched === 0) {
        position++;
        continue;
      }
      parts.push(data.subarray(plainFrom, position), mask);
      position += matched;
      plainFrom = position;
    }
    parts.push(data.subarray(plainFrom, position));
    held = Buffer.from(data.subarray(position));
    return Buffer.concat(parts);
  };

  return {
    write: (chunk) => scan(held.length === 0 ? Buffer.from(chunk) : Buffer.concat([held, chunk]), false),
    end: () => scan(held, true),
  };
}

function escapeNonAscii(text: string): string {
  return text.replace(
    /[^\x00-\x7f]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
