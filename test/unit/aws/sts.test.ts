// The sts:GetCallerIdentity request Vault replays: addressed to the configured STS, its body the
// one action, Host and the server ID header signed; sts:AssumeRoleWithWebIdentity against a fetch
// double; and the XML reader of STS's answers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { xmlValue } from '../../../src/aws/outcome';
import { assumeRoleWithWebIdentity, signGetCallerIdentity } from '../../../src/aws/sts';
import { createLogger } from '../../../src/util/log';

const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const now = new Date('2026-12-04T10:00:00Z');

describe('signGetCallerIdentity', () => {
  test('signs Host, Content-Type, X-Amz-Date and the server ID header for the regional endpoint', () => {
    const request = signGetCallerIdentity(keys, {
      url: 'https://sts.eu-west-1.amazonaws.com/',
      region: 'eu-west-1',
      headerValue: 'vault.example.com',
      now,
    });
    expect(request.url).toBe('https://sts.eu-west-1.amazonaws.com/');
    expect(request.body).toBe('Action=GetCallerIdentity&Version=2011-06-15');
    expect(request.headers).toMatchObject({
      Host: 'sts.eu-west-1.amazonaws.com',
      'X-Vault-AWS-IAM-Server-ID': 'vault.example.com',
      'X-Amz-Date': '20261204T100000Z',
    });
    expect(request.headers.Authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261204\/eu-west-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-vault-aws-iam-server-id, Signature=[0-9a-f]{64}$/,
    );
  });

  test('keeps the port of a loopback or VPC endpoint in Host', () => {
    const request = signGetCallerIdentity(keys, { url: 'http://127.0.0.1:4566/', region: 'us-east-1', now });
    expect(request.headers.Host).toBe('127.0.0.1:4566');
    expect(request.headers).not.toHaveProperty('X-Vault-AWS-IAM-Server-ID');
  });
});

describe('xmlValue', () => {
  const answer = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not &quot;authorized&quot; &amp; so on</Message></Error>
</ErrorResponse>`;

  test('reads the first element of that name, entities decoded', () => {
    expect(xmlValue(answer, 'Code')).toBe('AccessDenied');
    expect(xmlValue(answer, 'Message')).toBe('Not "authorized" & so on');
    expect(xmlValue(answer, 'Arn')).toBeUndefined();
  });
});

describe('assumeRoleWithWebIdentity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-web-identity-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'eyJ.projected.token\n');
  const source = {
    kind: 'web-identity' as const,
    tokenFile,
    roleArn: 'arn:aws:iam::123456789012:role/checkout-pod',
    stsUrl: 'https://sts.eu-west-1.amazonaws.com/',
  };
  const log = createLogger({ level: 'debug', format: 'text', write: () => {} });
  const options = { now: () => now, log };
  afterEach(() => vi.unstubAllGlobals());

  test('sends the token read from the file, unsigned, and reads the credentials from the XML', async () => {
    const fetch = vi.fn(
      async () =>
        new Response(
          '<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><SessionToken>tok</SessionToken><SecretAccessKey>sec</SecretAccessKey><Expiration>2026-12-04T11:00:00Z</Expiration><AccessKeyId>ASIAX</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>',
        ),
    );
    vi.stubGlobal('fetch', fetch);
    expect(await assumeRoleWithWebIdentity(source, options)).toEqual({
      ok: true,
      value: {
        accessKeyId: 'ASIAX',
        secretAccessKey: 'sec',
        sessionToken: 'tok',
        expiration: new Date('2026-12-04T11:00:00Z'),
      },
    });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, { body: string; headers: object }];
    expect(url).toBe('https://sts.eu-west-1.amazonaws.com/');
    const form = new URLSearchParams(init.body);
    expect(form.get('Action')).toBe('AssumeRoleWithWebIdentity');
    expect(form.get('WebIdentityToken')).toBe('eyJ.projected.token');
    expect(form.get('RoleSessionName')).toBe(`vault-exec-${now.getTime()}`);
    expect(init.headers).not.toHaveProperty('Authorization');
  });

  test("STS's refusal is final and names the trust policy; a throttle may pass", async () => {
    const answer = (status: number, code: string) =>
      vi.fn(
        async () =>
          new Response(
            `<ErrorResponse><Error><Code>${code}</Code><Message>no</Message></Error></ErrorResponse>`,
            { status },
          ),
      );
    vi.stubGlobal('fetch', answer(403, 'AccessDenied'));
    expect(await assumeRoleWithWebIdentity(source, options)).toMatchObject({
      ok: false,
      kind: 'refused',
      message: expect.stringMatching(
        /refused the web identity token for AWS_ROLE_ARN .*: AccessDenied \(no\); check the IAM role's trust policy/,
      ),
    });
    vi.stubGlobal('fetch', answer(400, 'Throttling'));
    expect(await assumeRoleWithWebIdentity(source, options)).toMatchObject({
      ok: false,
      kind: 'unavailable',
    });
  });

  test('a token file gone since the start is "missing" (64 at the start, retried at a re-login)', async () => {
    expect(
      await assumeRoleWithWebIdentity({ ...source, tokenFile: join(dir, 'gone') }, options),
    ).toMatchObject({
      ok: false,
      kind: 'missing',
      message: expect.stringContaining(`cannot read AWS_WEB_IDENTITY_TOKEN_FILE ${join(dir, 'gone')}`),
    });
  });
});
