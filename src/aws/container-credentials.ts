// The container credentials endpoint: the ECS agent (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, on
// 169.254.170.2) or another agent at AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity), which
// wants AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) in the Authorization header.
import { readFileSync } from 'node:fs';
import type { AwsCredentialSource } from '../cli/config';
import { describeReadFailure } from '../util/errors';
import type { Logger } from '../util/log';
import { parseExpiration, requestAws, type AwsCredentials, type AwsOutcome } from './outcome';

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
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return { ok: false, kind: 'unavailable', message: `${where} answered with something other than JSON` };
  }
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = body ?? {};
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string' || AccessKeyId === '')
    return { ok: false, kind: 'unavailable', message: `${where} answered without credentials` };
  return {
    ok: true,
    value: {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      ...(typeof Token === 'string' && Token !== '' ? { sessionToken: Token } : {}),
      ...(parseExpiration(Expiration) ? { expiration: parseExpiration(Expiration) } : {}),
    },
  };
}

/** The file is read at every fetch: EKS Pod Identity rotates the token in it. */
function readAuthorization(
  source: Container,
): string | undefined | Extract<AwsOutcome<never>, { ok: false }> {
  if (source.authorization === undefined) return undefined;
  if (source.authorization.kind === 'value') return source.authorization.value;
  try {
    const token = readFileSync(source.authorization.path, 'utf8').trim();
    if (token !== '') return token;
    return {
      ok: false,
      kind: 'missing',
      message: `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${source.authorization.path} is empty`,
    };
  } catch (error) {
    return {
      ok: false,
      kind: 'missing',
      message: `cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${source.authorization.path}: ${describeReadFailure(error)}`,
    };
  }
}
