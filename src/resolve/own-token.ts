// Your own Vault login, found where the Vault CLI keeps it.
import { isAbsolute, join } from 'node:path';
import type { Env } from '../util/env';
import { UsageError, escapeControlCharacters } from '../util/errors';
import { TOKEN_HELPER_TIMEOUT_MS, type ResolveIo } from './io';

/** `source` is logged; the token never is. */
export interface OwnToken {
  token: string;
  source: string;
}

const HELPER_MESSAGE_MAX_LENGTH = 160;

type TokenIo = Pick<ResolveIo, 'readFile' | 'runTokenHelper' | 'accountHome'>;

/**
 * The Vault CLI's order, so `vault login` (oidc, userpass, github...) followed by `vault-exec run`
 * just works: VAULT_TOKEN, then the token helper named in ~/.vault (or VAULT_CONFIG_PATH), then
 * ~/.vault-token, which is where the CLI's built-in helper stores the token.
 */
export function findOwnToken(env: Env, io: TokenIo): OwnToken | undefined {
  const fromEnv = nonEmpty(env.VAULT_TOKEN);
  if (fromEnv !== undefined) return { token: fromEnv, source: 'VAULT_TOKEN' };
  const home = nonEmpty(env.HOME) ?? io.accountHome();
  const configPath =
    nonEmpty(env.VAULT_CONFIG_PATH) ?? (home === undefined ? undefined : join(home, '.vault'));
  const configText = configPath === undefined ? undefined : tryRead(configPath, io);
  const helper = configText === undefined ? undefined : parseTokenHelperSetting(configText);
  if (helper !== undefined) {
    const shownConfig = nonEmpty(env.VAULT_CONFIG_PATH) ?? '~/.vault';
    // As the Vault CLI requires: a bare name would be looked up on PATH, which may hold "." (a clone).
    if (!isAbsolute(helper))
      throw new UsageError(
        `the Vault token helper ${helper} (token_helper in ${shownConfig}) is not an absolute path: give its full path, as the Vault CLI requires`,
      );
    const token = nonEmpty(runHelperOrExplain(io, helper, shownConfig, env));
    if (token !== undefined) return { token, source: `the token helper ${helper} (from ${shownConfig})` };
  }
  const fromFile = home === undefined ? undefined : nonEmpty(tryRead(join(home, '.vault-token'), io));
  if (fromFile !== undefined) return { token: fromFile, source: '~/.vault-token' };
  return undefined;
}

/**
 * Reads `token_helper = "..."` from the CLI's HCL config (or its JSON form), ignoring everything
 * else in the file; comment lines are skipped, so a commented-out helper is not used.
 */
export function parseTokenHelperSetting(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|\/\/)/.test(line)) continue;
    const match = /^\s*[{,]?\s*"?token_helper"?\s*[=:]\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (match === null) continue;
    try {
      return nonEmpty(JSON.parse(`"${match[1]}"`) as string);
    } catch {
      return nonEmpty(match[1]);
    }
  }
  return undefined;
}

function runHelperOrExplain(io: TokenIo, helper: string, shownConfig: string, env: Env): string {
  try {
    return io.runTokenHelper(helper, env);
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & {
      status?: number | null;
      signal?: string | null;
      stderr?: string;
    };
    const said = escapeControlCharacters((failure.stderr ?? '').trim().split('\n')[0] ?? '').slice(
      0,
      HELPER_MESSAGE_MAX_LENGTH,
    );
    const reason =
      failure.code === 'ENOENT'
        ? 'no such program'
        : failure.code === 'EACCES'
          ? 'not executable'
          : failure.code === 'ETIMEDOUT'
            ? `no answer within ${TOKEN_HELPER_TIMEOUT_MS / 1000} s`
            : failure.signal
              ? `killed by ${failure.signal}`
              : `exit ${failure.status ?? '?'}${said === '' ? '' : `: ${said}`}`;
    throw new UsageError(
      `the Vault token helper ${helper} (token_helper in ${shownConfig}) failed (${reason}); run "${helper} get" to see why, or fix token_helper`,
      { cause: error },
    );
  }
}

function tryRead(path: string, io: TokenIo): string | undefined {
  try {
    return io.readFile(path);
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
