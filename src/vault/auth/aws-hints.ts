// What to check when Vault rejects an aws (iam) login. Vault's reason says what failed ("does not
// belong to the role", the server ID header, STS's own error code); the hint names the setting on
// the Vault side or vault-exec's to fix. Pure, so every wording is unit-tested.
export interface AwsLoginContext {
  mount: string;
  role: string;
  /** describeAwsCredentialSource: where the credentials came from, never a key. */
  credentialsFrom: string;
  stsUrl: string;
  region: string;
  headerValueGiven: boolean;
}

type Hint = { pattern: RegExp; hint: (context: AwsLoginContext) => string };

const HINTS: Hint[] = [
  {
    pattern: /entry for role .* not found|role .*not found/i,
    hint: ({ role, mount }) => `check --role: there is no role "${role}" at auth/${mount}/role/`,
  },
  {
    pattern: /does not belong to the role|no longer bound to ARN/i,
    hint: ({ role, mount, credentialsFrom }) =>
      `the identity of the credentials from ${credentialsFrom} is not in bound_iam_principal_arn of auth/${mount}/role/${role} (an assumed role counts as arn:aws:iam::<account>:role/<name>)`,
  },
  {
    pattern: /X-Vault-AWS-IAM-Server-ID/i,
    hint: ({ mount, headerValueGiven }) =>
      `--aws-header-value must equal iam_server_id_header_value in auth/${mount}/config/client${headerValueGiven ? '' : ' (none was given)'}`,
  },
  {
    pattern: /auth method iam not allowed|auth_type/i,
    hint: ({ role, mount }) => `auth/${mount}/role/${role} is not an iam role: create it with auth_type=iam`,
  },
  {
    pattern: /ExpiredToken|expired/i,
    hint: ({ credentialsFrom }) =>
      `the temporary credentials from ${credentialsFrom} have expired: give fresh ones (vault-exec refreshes only those it fetched itself)`,
  },
  {
    pattern: /InvalidClientTokenId|security token included in the request is invalid/i,
    hint: ({ credentialsFrom }) =>
      `AWS does not know the access key from ${credentialsFrom}, or it was deactivated`,
  },
  {
    pattern: /SignatureDoesNotMatch|scoped to a valid region|IncompleteSignature/i,
    hint: ({ stsUrl, region, mount }) =>
      `vault-exec signed for ${stsUrl} in region ${region}: sts_endpoint and sts_region in auth/${mount}/config/client must be the same (--aws-region, AWS_REGION), or the secret key does not belong to the access key`,
  },
  {
    pattern: /upstream request|connection refused|no such host|timeout/i,
    hint: ({ mount }) =>
      `Vault could not ask STS: check sts_endpoint in auth/${mount}/config/client and Vault's way out to it`,
  },
];

/** `status` and `reason` are Vault's answer; the result is the part of the line after the reason. */
export function hintForRejectedAwsLogin(status: number, reason: string, context: AwsLoginContext): string {
  const match = HINTS.find(({ pattern }) => pattern.test(reason));
  if (match) return match.hint(context);
  if (status === 403)
    return `check that the aws auth method is enabled at auth/${context.mount} (--auth-mount)`;
  return `check the role "${context.role}" at auth/${context.mount}/role/ (auth_type=iam, bound_iam_principal_arn)`;
}
