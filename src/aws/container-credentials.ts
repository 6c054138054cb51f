// The container credentials endpoint: the ECS agent (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, on
// 169.254.170.2) or another agent at AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity), which
// wants AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) in the Authorization header.
import type { AwsCredentialSource } from '../cli/config';
import { readTokenFile } from '../util/token-file';
import type { Logger } from '../util/log';
import { parseCredentialsAnswer, requestAws, type AwsCredentials, type AwsOutcome } from './outcome';

export const CONTAINER_TIMEOUT_MS = 2_000;

type Container = Extract<AwsCredentialSource, { kind: 'container' }>;

export async function fetchContainerCredentials(
  source: Container,
  log: Logger,
): Promise<AwsOutcome<AwsCredentials>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const authorization = readAuthorization(source);
  if (typeof authorization !== 'string' && authorization !== undefined) return authorization;
  if (authorization !== undefined) {
    log.redact(authorization);
    headers.Authorization = authorization;
  }
  const where = `the container credentials endpoint ${source.url} (${source.origin})`;
  const answer = await requestAws(source.url, { method: 'GET', headers }, CONTAINER_TIMEOUT_MS);
  if (!answer.ok) return { ok: false, kind: 'unavailable', message: `${where} failed: ${answer.reason}` };
  if (answer.status === 401 || answer.status === 403)
    return {
      ok: false,
      kind: 'refused',
      message: `${where} refused the request (HTTP ${answer.status}): check AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE`,
    };
  if (answer.status !== 200)
    return { ok: false, kind: 'unavailable', message: `${where} answered HTTP ${answer.status}` };
  const parsed = parseCredentialsAnswer(answer.text);
  if (parsed.kind === 'not-json')
    return { ok: false, kind: 'unavailable', message: `${where} answered with something other than JSON` };
  if (parsed.credentials === undefined)
    return { ok: false, kind: 'unavailable', message: `${where} answered without credentials` };
  return { ok: true, value: parsed.credentials };
}

/** The file is read at every fetch: EKS Pod Identity rotates the token in it. */
function readAuthorization(
  source: Container,
): string | undefined | Extract<AwsOutcome<never>, { ok: false }> {
  if (source.authorization === undefined) return undefined;
  if (source.authorization.kind === 'value') return source.authorization.value;
  const read = readTokenFile(source.authorization.path, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE');
  return read.ok ? read.token : { ok: false, kind: 'missing', message: read.message };
}
