// What a call to one of AWS's own endpoints gives, and how it failed: the three failures map to the
// exit codes of a first login (vault/auth/aws.ts): missing 64, refused 77, unavailable 69.
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Absent for long-term keys. */
  expiration?: Date;
}

export type AwsFailureKind =
  /** Nothing there to ask, or a file that cannot be read: a setting to fix. */
  | 'missing'
  /** The service said no (a wrong token, role or key): asking again cannot help. */
  | 'refused'
  /** No answer, or a server error: may pass. */
  | 'unavailable';

export type AwsOutcome<T> = { ok: true; value: T } | { ok: false; kind: AwsFailureKind; message: string };

/** One request to an AWS endpoint: its status and text, or why there was none. */
export async function requestAws(
  url: string,
  init: { method: 'GET' | 'POST' | 'PUT'; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<{ ok: true; status: number; text: string } | { ok: false; reason: string }> {
  try {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { ok: true, status: response.status, text: await response.text() };
  } catch (error) {
    if ((error as Error)?.name === 'TimeoutError')
      return { ok: false, reason: `no answer within ${timeoutMs / 1000} s` };
    // undici puts the socket's error in `cause`, or several (one per address) in cause.errors.
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })
      ?.cause;
    const code = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? 'unknown error';
    return { ok: false, reason: `request failed (${code})` };
  }
}

/** The text of the first <tag>…</tag> in an AWS XML answer, entities decoded. */
export function xmlValue(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (match === null) return undefined;
  return match[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** An ISO 8601 time, or undefined for anything else. */
export function parseExpiration(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
