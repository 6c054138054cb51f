// The sts:GetCallerIdentity request Vault replays: addressed to the configured STS, its body the
// one action, Host and the server ID header signed; and the XML reader of STS's answers.
import { describe, expect, test } from 'vitest';
import { xmlValue } from '../../../src/aws/outcome';
import { signGetCallerIdentity } from '../../../src/aws/sts';

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
