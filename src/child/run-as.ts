// --user: the child's HOME, USER and LOGNAME for the account it runs as.
import type { RunAs } from '../cli/config';
import type { Env } from '../util/env';

/**
 * The inherited environment with the target user's HOME, USER and LOGNAME, as login(1) and su(1) set
 * them, so the app neither writes into root's home nor calls itself root. A uid without a passwd
 * entry gets HOME=/ and no USER or LOGNAME rather than root's. A secret mapped to one of these names
 * still wins, like any secret over an inherited variable.
 */
export function withUserEnvironment(env: Env, runAs: RunAs | undefined): Env {
  if (runAs === undefined) return env;
  const { USER: _user, LOGNAME: _logname, ...rest } = env;
  return runAs.name === undefined
    ? { ...rest, HOME: runAs.home }
    : { ...rest, HOME: runAs.home, USER: runAs.name, LOGNAME: runAs.name };
}
