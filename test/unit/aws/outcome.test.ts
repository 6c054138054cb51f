// One request to an AWS endpoint, and the credentials JSON the container endpoint and instance
// metadata answer with.
import { afterEach, expect, test, vi } from 'vitest';
import { parseCredentialsAnswer, requestAws } from '../../../src/aws/outcome';

afterEach(() => vi.unstubAllGlobals());

test("under Bun (the standalone binary) the failure's code is on the error itself, and is named", async () => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => {
      throw Object.assign(new Error('Unable to connect'), { code: 'ConnectionRefused' });
    }),
  );
  expect(await requestAws('http://127.0.0.1:1/', { method: 'GET' }, 1_000)).toEqual({
    ok: false,
    reason: 'request failed (ConnectionRefused)',
  });
});

test.each([
  [
    'full temporary credentials',
    '{"Code":"Success","AccessKeyId":"ASIA","SecretAccessKey":"s","Token":"t","Expiration":"2026-12-04T16:00:00Z"}',
    {
      kind: 'parsed',
      code: 'Success',
      credentials: {
        accessKeyId: 'ASIA',
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: new Date('2026-12-04T16:00:00Z'),
      },
    },
  ],
  [
    'no token, an expiration that is no time',
    '{"AccessKeyId":"AKIA","SecretAccessKey":"s","Token":"","Expiration":"soon"}',
    { kind: 'parsed', code: undefined, credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' } },
  ],
  [
    'a code without credentials',
    '{"Code":"AssumeRoleUnauthorizedAccess"}',
    { kind: 'parsed', code: 'AssumeRoleUnauthorizedAccess', credentials: undefined },
  ],
  [
    'an empty key ID',
    '{"AccessKeyId":"","SecretAccessKey":"s"}',
    { kind: 'parsed', code: undefined, credentials: undefined },
  ],
  ['JSON that is no object', 'null', { kind: 'parsed', code: undefined, credentials: undefined }],
  ['no JSON', '<html>', { kind: 'not-json' }],
])('%s', (_, text, expected) => {
  expect(parseCredentialsAnswer(text)).toEqual(expected);
});
