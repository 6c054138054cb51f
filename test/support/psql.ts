// psql as the tests' PostgreSQL client: the package ships it with the server, so the tests need no
// driver dependency. SQL goes in on stdin and the password in the environment, so neither shows in
// a command line that any user of the machine can read in /proc.
import { spawn } from 'node:child_process';

export interface PgLogin {
  user: string;
  password: string;
}

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CONNECT_TIMEOUT_S = '5';

export function runPsql(
  psql: string,
  options: { port: number; database: string; login: PgLogin; sql: string },
): Promise<PsqlResult> {
  const { port, database, login, sql } = options;
  // -X: no ~/.psqlrc; -A -t: bare rows; ON_ERROR_STOP: the first failing statement fails the run.
  const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port)];
  args.push('-U', login.user, '-d', database);
  const env = {
    PATH: process.env.PATH,
    LC_ALL: 'C',
    PGPASSWORD: login.password,
    PGCONNECT_TIMEOUT: CONNECT_TIMEOUT_S,
  };
  return new Promise((resolve) => {
    const child = spawn(psql, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => resolve({ code: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(sql);
  });
}
