// Test child that uses DATABASE_URL as an app would: psql ($PSQL) connects with it and queries.
// Prints `PID <pid>`, then `DATABASE_URL <url>` (stdout only: the leak scan reads vault-exec's
// stderr, and the test registers the password it finds here), then for each attempt
// `CONNECTED <user> <rows in items>` or `FAILED <psql's error>`, and READY after the first success.
// Without --every it exits after one attempt (0 connected, 1 failed). With `--every <ms>` it logs in
// again every <ms>, a fresh authentication each time (so it shows the credentials are still valid),
// until SIGTERM, which prints `SIGNAL SIGTERM` and exits 0.
import { spawn } from 'node:child_process';

const url = process.env.DATABASE_URL ?? '';
const psql = process.env.PSQL ?? 'psql';
const everyIndex = process.argv.indexOf('--every');
const everyMs = everyIndex === -1 ? undefined : Number(process.argv[everyIndex + 1]);

process.on('SIGTERM', () => process.stdout.write('SIGNAL SIGTERM\n', () => process.exit(0)));
process.stdout.write(`PID ${process.pid}\nDATABASE_URL ${url}\n`);

function attempt() {
  return new Promise((resolve) => {
    const child = spawn(
      psql,
      ['-X', '-A', '-t', '-q', '-d', url, '-c', 'SELECT current_user, count(*) FROM items'],
      {
        env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '5' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error) => resolve(`FAILED ${error.message}`));
    child.on('close', (code) => {
      const [user, rows] = out.trim().split('|');
      resolve(code === 0 ? `CONNECTED ${user} ${rows}` : `FAILED ${err.trim().split('\n')[0]}`);
    });
  });
}

let ready = false;
for (;;) {
  const line = await attempt();
  process.stdout.write(`${line}\n`);
  if (!ready && line.startsWith('CONNECTED')) {
    ready = true;
    process.stdout.write('READY\n');
  }
  if (everyMs === undefined) process.exit(line.startsWith('CONNECTED') ? 0 : 1);
  await new Promise((resolve) => setTimeout(resolve, everyMs));
}
