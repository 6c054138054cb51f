// The JWT for one login, from its source: a file is read again each time (a projected service-account
// token or a CI token file is rotated on disk), GitHub's token service is asked again, and an env var
// gives what it gave at start.
import { readFileSync } from 'node:fs';
import type { JwtSource } from '../../cli/config';
import { describeReadFailure } from '../../util/errors';
import type { Logger } from '../../util/log';
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
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    return unreadable(`cannot read ${source.origin} ${source.path}: ${describeReadFailure(error)}`);
  }
  const jwt = text.trim();
  if (jwt === '') return unreadable(`${source.origin} ${source.path} is empty`);
  log.redact(jwt);
  return { ok: true, jwt };
}

// Not a rejection: at a re-login, a file being replaced is worth another try while the token lasts.
function unreadable(message: string): LoginFailure {
  return { ok: false, rejected: false, usage: true, message };
}
