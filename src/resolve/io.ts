// Everything the resolve step reads from outside the process's arguments and environment, as one
// object: run() is given Node's (createNodeIo), a unit test its own.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Env } from '../util/env';

export interface ResolveIo {
  /** Where the project file is looked for, and what a relative --config is relative to. */
  cwd: string;
  /** vault-exec's own ids; undefined where the platform has none (Windows). */
  uid: number | undefined;
  gid: number | undefined;
  /** Your home in the account database, for when HOME is unset. */
  accountHome(): string | undefined;
  /** A file's text; throws Node's error (with `code`) when it cannot. */
  readFile(path: string): string;
  /** Owner and mode, following symbolic links; throws ENOENT when nothing is there. */
  stat(path: string): { uid: number; mode: number };
  /** The path with every symbolic link resolved; throws when it does not exist. */
  realPath(path: string): string;
  /** Runs the Vault CLI's token helper as `<helper> get` and returns its stdout. */
  runTokenHelper(helper: string, env: Env): string;
}

/** A helper that hangs (waiting on a keychain prompt, say) must not hang the start for ever. */
export const TOKEN_HELPER_TIMEOUT_MS = 10_000;

export function createNodeIo(cwd: string = process.cwd()): ResolveIo {
  return {
    cwd,
    uid: process.getuid?.(),
    gid: process.getgid?.(),
    accountHome: () => {
      try {
        return userInfo().homedir;
      } catch {
        return undefined;
      }
    },
    readFile: (path) => readFileSync(path, 'utf8'),
    stat: (path) => statSync(path),
    realPath: (path) => realpathSync.native(path),
    runTokenHelper: (helper, env) =>
      // node:child_process is loaded only when a token helper is run, not at every start.
      (require('node:child_process') as typeof import('node:child_process')).execFileSync(helper, ['get'], {
        encoding: 'utf8',
        env,
        timeout: TOKEN_HELPER_TIMEOUT_MS,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
  };
}
