// Vault's aws auth method, iam type: vault-exec signs an sts:GetCallerIdentity request with the
// credentials of its source (src/aws/) and hands it to Vault, which sends it to STS and learns the
// caller's ARN; the key never leaves this process, only the signature does.
import type { AwsLogin } from '../../cli/config';
import { describeAwsCredentialSource } from '../../cli/config';
import type { AwsCredentialKeeper } from '../../aws/credentials';
import { signGetCallerIdentity } from '../../aws/sts';
import type { Logger } from '../../util/log';
import type { VaultClient } from '../http/client';
import { hintForRejectedAwsLogin } from './aws-hints';
import { describeRefusedLogin, postLogin, type LoginResult } from './session';

/** `keeper`: the credentials of auth.credentials, kept across the logins that share it. */
export async function loginWithAws(
  client: VaultClient,
  auth: AwsLogin,
  keeper: AwsCredentialKeeper,
  log: Logger,
): Promise<LoginResult> {
  const credentials = await keeper.obtain({ now: () => new Date(), log });
  if (!credentials.ok)
    return {
      ok: false,
      rejected: credentials.kind === 'refused',
      usage: credentials.kind === 'missing',
      retriedAtRelogin: credentials.kind === 'refused',
      message: credentials.message,
    };
  const request = signGetCallerIdentity(credentials.value, {
    url: auth.sts.url,
    region: auth.sts.region,
    headerValue: auth.headerValue,
    now: new Date(),
  });
  // The signature is a credential for about 15 minutes: anyone holding it could log in as us.
  log.redact(request.headers.Authorization!);
  log.redact(request.headers.Authorization!.slice(-64));
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, [value]]));
  const label = 'AWS login';
  return postLogin(client, {
    label,
    mount: auth.mount,
    body: {
      role: auth.role,
      iam_http_request_method: request.method,
      iam_request_url: base64(request.url),
      iam_request_body: base64(request.body),
      iam_request_headers: base64(JSON.stringify(headers)),
    },
    log,
    describeRejection: describeRefusedLogin(
      client,
      { label, mount: auth.mount, role: auth.role },
      (status, reason) =>
        hintForRejectedAwsLogin(status, reason, {
          mount: auth.mount,
          role: auth.role,
          credentialsFrom: describeAwsCredentialSource(auth.credentials),
          stsUrl: auth.sts.url,
          region: auth.sts.region,
          headerValueGiven: auth.headerValue !== undefined,
        }),
    ),
  });
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
