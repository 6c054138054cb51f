// Which redirects vault-exec follows: one 307/308, only within the same origin (scheme, host and port),
// method and body kept, so the token or secret_id never leave for an address the user did not give.
import { REDIRECT_REFUSED, VaultTransportError } from './transport-error';

/**
 * Vault's Go client follows one 301/302/307 wherever it points (refusing only https to http) and
 * re-sends X-Vault-Token and the body there. A redirect to another origin (a standby naming its active
 * node, a misconfigured proxy) is an error naming the Location.
 */
export const MAX_REDIRECTS = 1;

export interface RedirectAnswer {
  status: number;
  location: string | undefined;
}

export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The next URL of a redirect, or the error that says why vault-exec will not go there. */
export function followRedirect(from: URL, answer: RedirectAnswer, hop: number, original: URL): URL {
  // A redirect is an answer: the server that sent it did not act on the request.
  const refuse = (why: string): never => {
    throw new VaultTransportError(why, REDIRECT_REFUSED);
  };
  const where = answer.location === undefined ? 'nowhere (no Location header)' : answer.location;
  if (answer.status !== 307 && answer.status !== 308)
    refuse(
      `HTTP ${answer.status} redirect to ${where} refused: vault-exec follows only 307 and 308, which keep the method and body`,
    );
  if (answer.location === undefined)
    return refuse(`HTTP ${answer.status} redirect without a Location header`);
  let target: URL;
  try {
    target = new URL(answer.location, from);
  } catch {
    return refuse(`HTTP ${answer.status} redirect to an invalid Location ${answer.location}`);
  }
  if (hop + 1 > MAX_REDIRECTS)
    refuse(`a second redirect (to ${target.href}) refused: vault-exec follows one redirect per request`);
  if (from.protocol === 'https:' && target.protocol !== 'https:')
    refuse(`redirect from https to ${target.href} refused: vault-exec never downgrades to plain HTTP`);
  if (target.origin !== original.origin)
    refuse(
      `redirect to ${target.href} refused: it is another origin than ${original.origin}, and vault-exec sends the token and request body only to VAULT_ADDR; if it is your Vault's active node, set VAULT_ADDR to ${target.origin}`,
    );
  return target;
}
