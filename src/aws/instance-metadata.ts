// EC2 instance metadata, IMDSv2 only: a session token from PUT /latest/api/token, then the instance
// profile's role name and its credentials. The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT when
// set (as for the SDKs), so tests point it at a stand-in and never reach 169.254.169.254.
import { parseCredentialsAnswer, requestAws, type AwsCredentials, type AwsOutcome } from './outcome';

/** The SDKs wait one second: off EC2 nothing answers, and the start must not hang on it. */
export const IMDS_TIMEOUT_MS = 1_000;
const TOKEN_TTL_SECONDS = '60';
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';

export async function fetchInstanceCredentials(endpoint: string): Promise<AwsOutcome<AwsCredentials>> {
  const tokenAnswer = await requestAws(
    `${endpoint}/latest/api/token`,
    { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS } },
    IMDS_TIMEOUT_MS,
  );
  // No answer at all: not on EC2 (or the hop limit of 1 keeps a container from it): nothing found.
  if (!tokenAnswer.ok)
    return { ok: false, kind: 'missing', message: `did not answer (${tokenAnswer.reason})` };
  // 403: IMDS is turned off for the instance, a source that cannot be used (64), not a login refused.
  if (tokenAnswer.status !== 200)
    return {
      ok: false,
      kind: tokenAnswer.status === 403 ? 'missing' : 'unavailable',
      message: `refused a session token (HTTP ${tokenAnswer.status}): is IMDS turned off for this instance?`,
    };
  const headers = { 'X-aws-ec2-metadata-token': tokenAnswer.text.trim() };
  const roles = await requestAws(
    `${endpoint}${CREDENTIALS_PATH}`,
    { method: 'GET', headers },
    IMDS_TIMEOUT_MS,
  );
  if (!roles.ok) return { ok: false, kind: 'unavailable', message: `failed: ${roles.reason}` };
  const role = roles.status === 200 ? roles.text.split('\n')[0]?.trim() : undefined;
  if (roles.status === 404 || role === '' || role === undefined)
    return {
      ok: false,
      kind: 'missing',
      message: `has no IAM role for this instance (HTTP ${roles.status}): attach an instance profile`,
    };
  const answer = await requestAws(
    `${endpoint}${CREDENTIALS_PATH}${encodeURIComponent(role)}`,
    { method: 'GET', headers },
    IMDS_TIMEOUT_MS,
  );
  if (!answer.ok) return { ok: false, kind: 'unavailable', message: `failed: ${answer.reason}` };
  const parsed = parseCredentialsAnswer(answer.text);
  const code = parsed.kind === 'parsed' ? parsed.code : undefined;
  if (answer.status !== 200 || parsed.kind !== 'parsed' || code !== 'Success' || !parsed.credentials)
    return {
      ok: false,
      kind: 'unavailable',
      message: `gave no credentials for the role ${role} (HTTP ${answer.status}${code === undefined ? '' : `, ${code}`})`,
    };
  return { ok: true, value: parsed.credentials };
}
