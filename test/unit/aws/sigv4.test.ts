// The signer against AWS's published Signature Version 4 test suite (fixtures/sigv4/, with its
// licence): for each request, the canonical request, the string to sign and the Authorization header
// must be AWS's, byte for byte.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  authorizationHeader,
  canonicalRequest,
  signRequest,
  stringToSign,
  type UnsignedRequest,
} from '../../../src/aws/sigv4';

const SUITE = join(__dirname, 'fixtures', 'sigv4');
// The suite's own example credentials and scope.
const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const vectors = readdirSync(SUITE).filter((name) => statSync(join(SUITE, name)).isDirectory());

/** A .req file: request line, `Name:value` lines (a repeated name's values joined by commas), body. */
function parseRequest(text: string): UnsignedRequest {
  const [head = '', body = ''] = text.split(/\n\n/, 2);
  const [requestLine = '', ...headerLines] = head.split('\n');
  const method = requestLine.split(' ')[0]!;
  const path = requestLine.slice(method.length + 1, requestLine.lastIndexOf(' HTTP/'));
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const at = line.indexOf(':');
    const name = line.slice(0, at);
    const value = line.slice(at + 1);
    headers[name] = name in headers ? `${headers[name]},${value.trim()}` : value;
  }
  return { method, path, headers, body };
}

describe("AWS's SigV4 test suite", () => {
  test('holds the vectors the signer is checked against', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(20);
  });

  test.each(vectors)('%s', (name) => {
    const read = (extension: string) => readFileSync(join(SUITE, name, `${name}.${extension}`), 'utf8');
    const request = parseRequest(read('req'));
    const now = new Date(
      request.headers['X-Amz-Date']!.replace(
        /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    const scope = { region: 'us-east-1', service: 'service', now };
    expect(canonicalRequest(request)).toBe(read('creq'));
    expect(stringToSign(request, scope)).toBe(read('sts'));
    expect(authorizationHeader(request, KEYS, scope)).toBe(read('authz'));
  });
});

describe('signRequest', () => {
  const request = {
    method: 'POST',
    path: '/',
    headers: {
      Host: 'sts.amazonaws.com',
      'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
    },
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
  };
  const scope = { region: 'us-east-1', service: 'sts', now: new Date('2026-12-04T10:00:00Z') };

  test('adds X-Amz-Date and signs it, with the date of the scope', () => {
    const headers = signRequest(request, KEYS, scope);
    expect(headers['X-Amz-Date']).toBe('20261204T100000Z');
    expect(headers.Authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261204\/us-east-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });

  test("signs temporary credentials' session token as X-Amz-Security-Token", () => {
    const headers = signRequest(request, { ...KEYS, sessionToken: 'session-token' }, scope);
    expect(headers['X-Amz-Security-Token']).toBe('session-token');
    expect(headers.Authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    );
  });

  test('a different secret gives a different signature', () => {
    const one = signRequest(request, KEYS, scope).Authorization;
    const other = signRequest(request, { ...KEYS, secretAccessKey: 'other' }, scope).Authorization;
    expect(one).not.toBe(other);
  });
});
