// AWS credentials for one login, from the source chosen at start-up (resolve/aws-credentials.ts).
// Temporary credentials are kept until REFRESH_MARGIN_MS before they expire and then fetched again,
// so a re-login hours later never signs with expired ones, and a retry loop does not hammer STS,
// the container agent or instance metadata.
import { AWS_CREDENTIAL_SOURCES_LOOKED_FOR, type AwsCredentialSource } from '../cli/config';
import type { Logger } from '../util/log';
import { fetchContainerCredentials } from './container-credentials';
import { fetchInstanceCredentials } from './instance-metadata';
import { assumeRoleWithWebIdentity } from './sts';
import type { AwsCredentials, AwsOutcome } from './outcome';

/** The SDKs refresh temporary credentials 5 minutes before they expire; so do we. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * The credentials of one configured source, for every login of a run that shares this keeper: the
 * temporary ones are kept until the margin before they expire, then fetched again.
 */
export class AwsCredentialKeeper {
  private kept: AwsCredentials | undefined;

  constructor(readonly source: AwsCredentialSource) {}

  async obtain(options: { now: () => Date; log: Logger }): Promise<AwsOutcome<AwsCredentials>> {
    const { source } = this;
    if (source.kind === 'env') {
      options.log.redact(source.secretAccessKey);
      if (source.sessionToken !== undefined) options.log.redact(source.sessionToken);
      return { ok: true, value: source };
    }
    const kept = this.kept;
    if (kept !== undefined && !needsRefresh(kept, options.now())) return { ok: true, value: kept };
    const fetched = await fetchTemporaryCredentials(source, options);
    if (!fetched.ok) return fetched;
    options.log.redact(fetched.value.secretAccessKey);
    if (fetched.value.sessionToken !== undefined) options.log.redact(fetched.value.sessionToken);
    this.kept = fetched.value;
    const until = fetched.value.expiration ? `, valid until ${fetched.value.expiration.toISOString()}` : '';
    options.log.debug(
      `${kept === undefined ? 'got' : 'refreshed'} AWS credentials from ${describeFetch(source)}${until}`,
    );
    return fetched;
  }
}

/** Credentials without an expiry are kept; others until the margin before it. */
export function needsRefresh(credentials: AwsCredentials, now: Date): boolean {
  if (credentials.expiration === undefined) return false;
  return credentials.expiration.getTime() - now.getTime() <= REFRESH_MARGIN_MS;
}

function fetchTemporaryCredentials(
  source: Exclude<AwsCredentialSource, { kind: 'env' }>,
  options: { now: () => Date; log: Logger },
): Promise<AwsOutcome<AwsCredentials>> {
  switch (source.kind) {
    case 'web-identity':
      return assumeRoleWithWebIdentity(source, options);
    case 'container':
      return fetchContainerCredentials(source, options.log);
    case 'imds':
      return fetchInstanceCredentials(source.endpoint).then((outcome) =>
        outcome.ok ? outcome : { ...outcome, message: describeImdsFailure(source.endpoint, outcome) },
      );
  }
}

/** Instance metadata is the last source: when it has nothing, no source had anything. */
function describeImdsFailure(endpoint: string, failure: { kind: string; message: string }): string {
  if (failure.kind === 'missing')
    return `no AWS credentials: looked for ${AWS_CREDENTIAL_SOURCES_LOOKED_FOR.join(', then ')}, then EC2 instance metadata at ${endpoint}, which ${failure.message}`;
  return `EC2 instance metadata at ${endpoint} ${failure.message}`;
}

function describeFetch(source: Exclude<AwsCredentialSource, { kind: 'env' }>): string {
  switch (source.kind) {
    case 'web-identity':
      return `sts:AssumeRoleWithWebIdentity for ${source.roleArn}`;
    case 'container':
      return `the container credentials endpoint (${source.origin})`;
    case 'imds':
      return `EC2 instance metadata at ${source.endpoint}`;
  }
}
