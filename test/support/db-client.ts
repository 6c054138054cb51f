// Reading the db-client child's output (children/db-client.mjs): which credentials each generation
// of the child got, and as whom it logged in.
import { rememberSecret } from './leak-scan';
import { fixture } from './processes';
import type { PgLogin } from './psql';

export const dbClient = fixture('db-client.mjs');

/** One login per child started, in order; each password joins the leak scan as it is found. */
export function childLogins(stdout: string): PgLogin[] {
  return [
    ...stdout.matchAll(/^DATABASE_URL postgresql:\/\/([^:@\s]+):([^@\s]+)@127\.0\.0\.1:\d+\/app$/gm),
  ].map((match) => ({ user: match[1]!, password: rememberSecret(match[2]!) }));
}

/** The user of every successful login (`CONNECTED <user> <rows>`), in order. */
export function connectedUsers(stdout: string): string[] {
  return [...stdout.matchAll(/^CONNECTED (\S+) \d+$/gm)].map((match) => match[1]!);
}
