// What each rejection of an aws login tells the user to check, for Vault's own reasons.
import { describe, expect, test } from 'vitest';
import { hintForRejectedAwsLogin } from '../../../../src/vault/auth/aws-hints';

const context = {
  mount: 'aws',
  role: 'checkout',
  credentialsFrom: 'AWS_ACCESS_KEY_ID',
  stsUrl: 'https://sts.eu-west-1.amazonaws.com/',
  region: 'eu-west-1',
  headerValueGiven: false,
};

describe('hintForRejectedAwsLogin', () => {
  test.each([
    ['entry for role checkout not found', /check --role: there is no role "checkout" at auth\/aws\/role\//],
    [
      'IAM Principal "arn:aws:sts::1:assumed-role/x/y" does not belong to the role "checkout"',
      /not in bound_iam_principal_arn of auth\/aws\/role\/checkout/,
    ],
    [
      'error validating X-Vault-AWS-IAM-Server-ID header: missing header "X-Vault-AWS-IAM-Server-ID"',
      /--aws-header-value must equal iam_server_id_header_value in auth\/aws\/config\/client \(none was given\)/,
    ],
    ['auth method iam not allowed for role checkout', /create it with auth_type=iam/],
    [
      'error making upstream request: received error code 403 from STS: <Code>ExpiredToken</Code>',
      /temporary credentials from AWS_ACCESS_KEY_ID have expired/,
    ],
    ['error making upstream request: <Code>InvalidClientTokenId</Code>', /AWS does not know the access key/],
    [
      'error making upstream request: <Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to a valid region',
      /signed for https:\/\/sts\.eu-west-1\.amazonaws\.com\/ in region eu-west-1: sts_endpoint and sts_region/,
    ],
    [
      'error making upstream request: dial tcp: connection refused',
      /check sts_endpoint in auth\/aws\/config\/client/,
    ],
  ])('%s', (reason, hint) => {
    expect(hintForRejectedAwsLogin(400, reason, context)).toMatch(hint);
  });

  test('a 403 without a known reason points at the mount', () => {
    expect(hintForRejectedAwsLogin(403, 'permission denied', context)).toBe(
      'check that the aws auth method is enabled at auth/aws (--auth-mount)',
    );
  });
});
