// The JWT for one login, from its source: a file is read again each time (a projected service-account
// token or a CI token file is rotated on disk), GitHub's token service is asked again, and an env var
// gives what it gave at start.
import type { JwtSource } from '../../cli/config';
import type { Logger } from '../../util/log';
import { readTokenFile } from '../../util/token-file';
import { requestGitHubOidcToken } from './github-oidc';
import type { LoginFailure } from './session';

/** Every JWT is registered with the redactor. */
export async function readJwt(
  source: JwtSource,
  log: Logger,
): Promise<{ ok: true; jwt: string } | LoginFailure> {
  if (source.kind === 'github') return requestGitHubOidcToken(source, log);
  if (source.kind === 'env') {
    log.redact(source.value);
    return { ok: true, jwt: source.value };
  }
  const read = readTokenFile(source.path, source.origin);
  if (!read.ok) return unreadable(read.message);
  log.redact(read.token);
  return { ok: true, jwt: read.token };
}

// Not a rejection: at a re-login, a file being replaced is worth another try while the token lasts.
function unreadable(message: string): LoginFailure {
  return { ok: false, rejected: false, usage: true, message };
}
