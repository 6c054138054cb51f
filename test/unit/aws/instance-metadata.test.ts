// IMDSv2 as vault-exec asks it: a session token first (PUT), then the role and its credentials, with
// the token on each request; and how each failure is classed (nothing there 64, refused, unavailable).
import { afterEach, expect, test, vi } from 'vitest';
import { fetchInstanceCredentials } from '../../../src/aws/instance-metadata';

afterEach(() => vi.unstubAllGlobals());
const ENDPOINT = 'http://127.0.0.1:1338';

/** An instance metadata double: answers by method and path, records every request. */
function metadata(answers: Record<string, () => Response>) {
  const seen: { method: string; path: string; headers: Record<string, string> }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: { method: string; headers?: Record<string, string> }) => {
      const path = new URL(url).pathname;
      seen.push({ method: init.method, path, headers: init.headers ?? {} });
      const answer = answers[`${init.method} ${path}`];
      return answer ? answer() : new Response('', { status: 404 });
    }),
  );
  return seen;
}

const credentials = {
  Code: 'Success',
  AccessKeyId: 'ASIAEXAMPLE',
  SecretAccessKey: 'secret',
  Token: 'session',
  Expiration: '2026-12-04T16:00:00Z',
};

test('asks for a session token, then the role, then its credentials, sending the token each time', async () => {
  const seen = metadata({
    'PUT /latest/api/token': () => new Response('imds-token'),
    'GET /latest/meta-data/iam/security-credentials/': () => new Response('checkout-host\n'),
    'GET /latest/meta-data/iam/security-credentials/checkout-host': () =>
      new Response(JSON.stringify(credentials)),
  });
  expect(await fetchInstanceCredentials(ENDPOINT)).toEqual({
    ok: true,
    value: {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
      expiration: new Date('2026-12-04T16:00:00Z'),
    },
  });
  expect(seen[0]).toMatchObject({ method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } });
  for (const request of seen.slice(1)) expect(request.headers['X-aws-ec2-metadata-token']).toBe('imds-token');
});

test('no answer at all is "nothing found" (not on EC2): the start names every source looked for', async () => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => {
      throw Object.assign(new Error('timeout'), { name: 'TimeoutError' });
    }),
  );
  expect(await fetchInstanceCredentials(ENDPOINT)).toEqual({
    ok: false,
    kind: 'missing',
    message: 'did not answer (no answer within 1 s)',
  });
});

test('an instance without an instance profile is "nothing found" too', async () => {
  metadata({ 'PUT /latest/api/token': () => new Response('imds-token') });
  expect(await fetchInstanceCredentials(ENDPOINT)).toMatchObject({
    ok: false,
    kind: 'missing',
    message: expect.stringContaining('attach an instance profile'),
  });
});

test('a role whose credentials are not ready is unavailable (may pass)', async () => {
  metadata({
    'PUT /latest/api/token': () => new Response('imds-token'),
    'GET /latest/meta-data/iam/security-credentials/': () => new Response('checkout-host'),
    'GET /latest/meta-data/iam/security-credentials/checkout-host': () =>
      new Response(JSON.stringify({ Code: 'AssumeRoleUnauthorizedAccess' })),
  });
  expect(await fetchInstanceCredentials(ENDPOINT)).toMatchObject({
    ok: false,
    kind: 'unavailable',
    message: expect.stringContaining('AssumeRoleUnauthorizedAccess'),
  });
});

test('a session token refused (IMDS turned off) is an unusable source, 64, not a login rejection', async () => {
  metadata({ 'PUT /latest/api/token': () => new Response('', { status: 403 }) });
  expect(await fetchInstanceCredentials(ENDPOINT)).toMatchObject({
    ok: false,
    kind: 'missing',
    message: expect.stringContaining('is IMDS turned off for this instance?'),
  });
});
