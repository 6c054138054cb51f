// AWS STS, the two calls vault-exec needs: sts:GetCallerIdentity, signed here and sent by Vault
// (the aws auth method's iam login), and sts:AssumeRoleWithWebIdentity, which trades EKS's projected
// token for temporary credentials and needs no signature.
import type { AwsCredentialSource } from '../cli/config';
import { readTokenFile } from '../util/token-file';
import type { Logger } from '../util/log';
import { parseExpiration, requestAws, xmlValue, type AwsCredentials, type AwsOutcome } from './outcome';
import { signRequest, type SigningKeys } from './sigv4';

const API_VERSION = '2011-06-15';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
export const STS_TIMEOUT_MS = 10_000;
/** Vault's header for binding a login to one Vault (the auth method's iam_server_id_header_value). */
export const SERVER_ID_HEADER = 'X-Vault-AWS-IAM-Server-ID';

export interface SignedStsRequest {
  method: 'POST';
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** The request Vault replays to STS to learn who signed it. */
export function signGetCallerIdentity(
  keys: SigningKeys,
  options: { url: string; region: string; headerValue?: string; now: Date },
): SignedStsRequest {
  const url = new URL(options.url);
  const body = `Action=GetCallerIdentity&Version=${API_VERSION}`;
  const headers: Record<string, string> = { Host: url.host, 'Content-Type': FORM };
  if (options.headerValue !== undefined) headers[SERVER_ID_HEADER] = options.headerValue;
  const signed = signRequest({ method: 'POST', path: `${url.pathname}${url.search}`, headers, body }, keys, {
    region: options.region,
    service: 'sts',
    now: options.now,
  });
  return { method: 'POST', url: url.href, body, headers: signed };
}

type WebIdentity = Extract<AwsCredentialSource, { kind: 'web-identity' }>;

/** The token file is read at every call: the kubelet rotates it (about hourly). */
export async function assumeRoleWithWebIdentity(
  source: WebIdentity,
  options: { now: () => Date; log: Logger },
): Promise<AwsOutcome<AwsCredentials>> {
  const read = readTokenFile(source.tokenFile, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  if (!read.ok) return { ok: false, kind: 'missing', message: read.message };
  const token = read.token;
  options.log.redact(token);
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: API_VERSION,
    RoleArn: source.roleArn,
    RoleSessionName: source.sessionName ?? `vault-exec-${options.now().getTime()}`,
    WebIdentityToken: token,
  }).toString();
  const where = `sts:AssumeRoleWithWebIdentity at ${new URL(source.stsUrl).host}`;
  const answer = await requestAws(
    source.stsUrl,
    { method: 'POST', headers: { 'Content-Type': FORM, Accept: 'application/xml' }, body },
    STS_TIMEOUT_MS,
  );
  if (!answer.ok) return { ok: false, kind: 'unavailable', message: `${where} failed: ${answer.reason}` };
  if (answer.status !== 200) {
    const code = xmlValue(answer.text, 'Code') ?? `HTTP ${answer.status}`;
    const reason = xmlValue(answer.text, 'Message');
    const said = `${where} refused the web identity token for AWS_ROLE_ARN ${source.roleArn}: ${code}${reason ? ` (${reason})` : ''}`;
    if (answer.status >= 500 || code === 'IDPCommunicationError' || code === 'Throttling')
      return { ok: false, kind: 'unavailable', message: said };
    return {
      ok: false,
      kind: 'refused',
      message: `${said}; check the IAM role's trust policy (the cluster's OIDC provider, the service account in its sub condition) and the token's audience sts.amazonaws.com`,
    };
  }
  const credentials = {
    accessKeyId: xmlValue(answer.text, 'AccessKeyId'),
    secretAccessKey: xmlValue(answer.text, 'SecretAccessKey'),
    sessionToken: xmlValue(answer.text, 'SessionToken'),
    expiration: parseExpiration(xmlValue(answer.text, 'Expiration')),
  };
  if (!credentials.accessKeyId || !credentials.secretAccessKey || !credentials.sessionToken)
    return { ok: false, kind: 'unavailable', message: `${where} answered 200 without credentials` };
  return { ok: true, value: credentials as AwsCredentials };
}
