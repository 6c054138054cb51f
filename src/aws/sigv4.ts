// AWS Signature Version 4 (header signing) with node:crypto: what Vault's aws auth method needs, a
// signed sts:GetCallerIdentity request. Written here rather than taken from a library (the README's
// "AWS IAM" section gives the size and start-up figures); checked against AWS's published test suite
// in test/unit/aws/sigv4.test.ts.
import type { createHash as CreateHash, createHmac as CreateHmac } from 'node:crypto';

export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface UnsignedRequest {
  method: string;
  /** The path as sent, with its query string: `/`, `/?Action=x`. */
  path: string;
  /** Header names as the caller spells them; `Host` must be among them. */
  headers: Record<string, string>;
  body: string;
}

export interface SigningScope {
  region: string;
  service: string;
  /** The signing time; X-Amz-Date is set from it. */
  now: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/**
 * The request's headers with X-Amz-Date, X-Amz-Security-Token (temporary credentials) and
 * Authorization added. Every header given is signed, so Host and X-Vault-AWS-IAM-Server-ID are.
 */
export function signRequest(
  request: UnsignedRequest,
  keys: SigningKeys,
  scope: SigningScope,
): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, 'X-Amz-Date': amzDate(scope.now) };
  if (keys.sessionToken !== undefined) headers['X-Amz-Security-Token'] = keys.sessionToken;
  const signed = { ...request, headers };
  headers.Authorization = authorizationHeader(signed, keys, scope);
  return headers;
}

/** The Authorization header for a request whose headers already hold X-Amz-Date. */
export function authorizationHeader(
  request: UnsignedRequest,
  keys: SigningKeys,
  scope: SigningScope,
): string {
  const { signedHeaders } = canonicalHeaders(request.headers);
  const signature = hmac(signingKey(keys.secretAccessKey, scope), stringToSign(request, scope)).toString(
    'hex',
  );
  return `${ALGORITHM} Credential=${keys.accessKeyId}/${credentialScope(scope)}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

export function stringToSign(request: UnsignedRequest, scope: SigningScope): string {
  return [ALGORITHM, amzDate(scope.now), credentialScope(scope), sha256Hex(canonicalRequest(request))].join(
    '\n',
  );
}

export function canonicalRequest(request: UnsignedRequest): string {
  const queryAt = request.path.indexOf('?');
  const path = queryAt === -1 ? request.path : request.path.slice(0, queryAt);
  const query = queryAt === -1 ? '' : request.path.slice(queryAt + 1);
  const { lines, signedHeaders } = canonicalHeaders(request.headers);
  return [
    request.method,
    canonicalPath(path),
    canonicalQuery(query),
    lines,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
}

function credentialScope(scope: SigningScope): string {
  return `${amzDate(scope.now).slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`;
}

function signingKey(secret: string, scope: SigningScope): Buffer {
  const date = hmac(`AWS4${secret}`, amzDate(scope.now).slice(0, 8));
  return hmac(hmac(hmac(date, scope.region), scope.service), 'aws4_request');
}

/** 20150830T123600Z */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** Lower-case names in order; repeated names joined with commas; runs of spaces in values collapsed. */
function canonicalHeaders(headers: Record<string, string>): { lines: string; signedHeaders: string } {
  const byName = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    const values = byName.get(key) ?? [];
    values.push(value.trim().replace(/\s+/g, ' '));
    byName.set(key, values);
  }
  const names = [...byName.keys()].sort();
  return {
    lines: names.map((name) => `${name}:${byName.get(name)!.join(',')}\n`).join(''),
    signedHeaders: names.join(';'),
  };
}

/** Each segment URI-encoded (RFC 3986 unreserved characters kept), as every service but S3 wants. */
function canonicalPath(path: string): string {
  if (path === '') return '/';
  return path
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .join('/');
}

/** Pairs sorted by encoded name, then value; a name without `=` has an empty value. */
function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&').map((part) => {
    const at = part.indexOf('=');
    const [name, value] = at === -1 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
    return [encodeRfc3986(decodeQuery(name)), encodeRfc3986(decodeQuery(value))] as const;
  });
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function decodeQuery(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

// node:crypto is loaded at the first signing, not at every start (some 1.5 ms of it).
function crypto(): { createHash: typeof CreateHash; createHmac: typeof CreateHmac } {
  return require('node:crypto') as typeof import('node:crypto');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return crypto().createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: string): string {
  return crypto().createHash('sha256').update(data, 'utf8').digest('hex');
}
