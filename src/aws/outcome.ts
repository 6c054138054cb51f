// What a call to one of AWS's own endpoints gives, and how it failed: the three failures map to the
// exit codes of a first login (vault/auth/aws.ts): missing 64, refused 77, unavailable 69.
import { describeFetchFailure } from '../util/fetch-failure';

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
    return { ok: false, reason: describeFetchFailure(error, timeoutMs) };
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

/** What the container endpoint and instance metadata answer: AccessKeyId, SecretAccessKey, Token,
 * Expiration (and instance metadata's Code); `credentials` only when both keys are there. */
export type CredentialsAnswer =
  | { kind: 'not-json' }
  | { kind: 'parsed'; code: string | undefined; credentials: AwsCredentials | undefined };

export function parseCredentialsAnswer(text: string): CredentialsAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'not-json' };
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { Code, AccessKeyId, SecretAccessKey, Token, Expiration } = fields;
  const expiration = parseExpiration(Expiration);
  const credentials =
    typeof AccessKeyId === 'string' && AccessKeyId !== '' && typeof SecretAccessKey === 'string'
      ? {
          accessKeyId: AccessKeyId,
          secretAccessKey: SecretAccessKey,
          ...(typeof Token === 'string' && Token !== '' ? { sessionToken: Token } : {}),
          ...(expiration ? { expiration } : {}),
        }
      : undefined;
  return { kind: 'parsed', code: typeof Code === 'string' ? Code : undefined, credentials };
}
