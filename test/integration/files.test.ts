// Secrets as files against the real server, its PKI engine included, with real children: a TLS
// server (Python's ssl) on a certificate vault-exec issued, reissued and reloaded on SIGHUP; templates
// and --watch with and without an env reference; a reader racing 100 rewrites; every exit path.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { isMemoryBacked } from '../../src/child/secret-files';
import {
  cliEnv,
  provisionApp,
  revokeTokensOfRole,
  secretValue,
  type AppCredentials,
} from '../support/app-role';
import { rememberCliRun, rememberSecret } from '../support/leak-scan';
import {
  bundlePath,
  fixture,
  killAllStarted,
  runCli,
  startCli,
  startNode,
  testsStandaloneBinary,
  waitFor,
  type Running,
} from '../support/processes';
import { metricsAddress, readyz, sample, scrape } from '../support/scrape';
import { appPolicy } from '../support/vault-admin';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const isRoot = process.getuid?.() === 0;
/** The system Python: a --user child cannot reach a version manager's shims under root's home. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const made: string[] = [];
let shared: string;

const PKI_POLICY = `
path "pki/issue/web" { capabilities = ["update"] }
path "pki/revoke" { capabilities = ["update"] }
`;

/** An AppRole that may read `readPaths` and issue and revoke from pki/web. */
async function appWithPki(readPaths: string[] = []): Promise<AppCredentials> {
  const app = await provisionApp(vault(), { readPaths });
  await vault().admin.writePolicy(app.role, appPolicy(readPaths) + PKI_POLICY);
  return app;
}

/** A fresh tmpfs directory standing in for XDG_RUNTIME_DIR, so each test sees only its own files. */
function runtimeDir(): string {
  const dir = mkdtempSync('/dev/shm/vault-exec-files-test-');
  made.push(dir);
  return dir;
}

beforeAll(async () => {
  const { admin } = vault();
  await admin.request('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await admin.request('POST', 'pki/root/generate/internal', {
    common_name: 'vault-exec test root',
    ttl: '87600h',
  });
  await admin.request('POST', 'pki/roles/web', {
    allowed_domains: 'localhost',
    allow_localhost: true,
    allow_bare_domains: true,
    max_ttl: '1h',
  });
  // Children that run as nobody need their programs where nobody can read them.
  shared = mkdtempSync(join(tmpdir(), 'vault-exec-files-'));
  chmodSync(shared, 0o755);
  for (const name of ['tls-server.py', 'report-files.mjs', 'read-loop.mjs'])
    copyFileSync(fixture(name), join(shared, name));
});
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  if (shared) rmSync(shared, { recursive: true, force: true });
});
afterEach(() => killAllStarted());

const linesOf = (text: string, prefix: string): string[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));

/** Connects with only the CA chain vault-exec wrote as trust, and returns the verified leaf's serial. */
function fetchServedSerial(port: number, caChain: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caChain }, () => {
      if (!socket.authorized) return reject(new Error(`not verified: ${String(socket.authorizationError)}`));
      const serial = socket.getPeerX509Certificate()?.serialNumber.toLowerCase() ?? '';
      socket.once('data', (data) => {
        socket.end();
        expect(data.toString()).toBe('HELLO\n');
        resolve(serial);
      });
    });
    socket.on('error', reject);
  });
}

const colonSerial = (hex: string): string => hex.match(/../g)!.join(':');

describe.runIf(isRoot)('--certificate with --user', () => {
  test('files 0400 owned by the --user account, served by a TLS child whose chain verifies', async () => {
    const app = await appWithPki();
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    // nobody's own runtime directory, as a login would give it.
    const runtime = runtimeDir();
    chownSync(runtime, nobody, 0);
    const running = startCli(
      [
        '--user',
        'nobody',
        '--certificate',
        'tls=pki/web?common_name=localhost&ip_sans=127.0.0.1&ttl=10m',
        '--',
        PYTHON,
        join(shared, 'tls-server.py'),
      ],
      { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtime }) },
    );
    await running.waitForOutput('READY');
    const port = Number(linesOf(running.stdout(), 'PORT ')[0]);
    const dir = /wrote 3 secret files to (\S+)/.exec(running.stderr())![1]!;
    expect(dir.startsWith(`${runtime}/`)).toBe(true);
    for (const name of ['tls.crt', 'tls.key', 'tls.ca.crt']) {
      const stat = statSync(join(dir, name));
      expect([name, stat.mode & 0o777, stat.uid]).toEqual([name, 0o400, nobody]);
    }
    expect([statSync(dir).mode & 0o777, statSync(dir).uid]).toEqual([0o700, nobody]);
    const caChain = readFileSync(join(dir, 'tls.ca.crt'), 'utf8');
    const served = await fetchServedSerial(port, caChain);
    expect(served).toBe(linesOf(running.stdout(), 'SERIAL ')[0]);
    expect(new X509Certificate(readFileSync(join(dir, 'tls.crt'))).checkHost('localhost')).toBe('localhost');
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('--certificate reissued before not_after', () => {
  test('with --reload-signal HUP the child serves the new serial without a restart, and the old one is revoked', async () => {
    const app = await appWithPki();
    const running = startCli(
      [
        '--certificate',
        // Long enough that the old one is still valid when revoked, --kill-timeout after the reload:
        // Vault declines to revoke a certificate within a few seconds of its not_after ("already expired").
        'tls=pki/issue/web?common_name=localhost&ttl=18s',
        '--reload-signal',
        'HUP',
        '--kill-timeout',
        '1s',
        '--',
        PYTHON,
        join(shared, 'tls-server.py'),
      ],
      { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtimeDir() }) },
    );
    await running.waitForOutput('READY');
    const port = Number(linesOf(running.stdout(), 'PORT ')[0]);
    const dir = /wrote 3 secret files to (\S+)/.exec(running.stderr())![1]!;
    const first = linesOf(running.stdout(), 'SERIAL ')[0]!;
    // About two thirds of 18 s: 11–13 s after the issue.
    const { reissuedAt, reloadedAt } = await timeReload(running);
    const second = linesOf(running.stdout(), 'SERIAL ')[1]!;
    expect(second).not.toBe(first);
    console.log(`reissue-to-reload: ${reloadedAt - reissuedAt} ms`);
    expect(await fetchServedSerial(port, readFileSync(join(dir, 'tls.ca.crt'), 'utf8'))).toBe(second);
    // No restart: the same process, one PORT line, and no restart line.
    expect(linesOf(running.stdout(), 'PORT ')).toHaveLength(1);
    expect(running.stderr()).not.toContain('restarting the child');
    expect(running.stderr()).toContain(
      `reloading the child: the certificate tls was reissued (serial ${colonSerial(second)}); sent SIGHUP`,
    );
    // Not at once: the reloading child keeps the old certificate usable for --kill-timeout.
    await running.waitForOutput(`revoked the superseded certificate ${colonSerial(first)}`, {
      stream: 'stderr',
    });
    const revokedAfterMs = Date.now() - reloadedAt;
    console.log(`reload-to-revocation: ${revokedAfterMs} ms`);
    expect(revokedAfterMs).toBeGreaterThanOrEqual(900);
    const lookup = await vault().admin.request('GET', `pki/cert/${colonSerial(first)}`);
    expect(lookup.body.data.revocation_time).toBeGreaterThan(0);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  test('without --reload-signal the reissue restarts the child, make-before-break', async () => {
    const app = await appWithPki();
    const running = startCli(
      [
        '--certificate',
        'tls=pki/web?common_name=localhost&ttl=6s',
        '--',
        PYTHON,
        join(shared, 'tls-server.py'),
      ],
      { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtimeDir() }) },
    );
    await running.waitForOutput('READY');
    await waitFor(() => linesOf(running.stdout(), 'PORT ').length === 2, {
      timeoutMs: 15_000,
      message: `no restart; stderr:\n${running.stderr()}`,
    });
    expect(running.stderr()).toContain('restarting the child: the certificate tls was reissued');
    running.kill('SIGTERM');
    await running.exited;
  });
});

/** When vault-exec had the new certificate, and when the child said it serves it (polled every 2 ms). */
async function timeReload(running: Running): Promise<{ reissuedAt: number; reloadedAt: number }> {
  let reissuedAt = 0;
  let reloadedAt = 0;
  await waitFor(
    () => {
      if (reissuedAt === 0 && running.stderr().includes('replaced the certificate tls'))
        reissuedAt = Date.now();
      if (reloadedAt === 0 && linesOf(running.stdout(), 'SERIAL ').length >= 2) reloadedAt = Date.now();
      return reissuedAt > 0 && reloadedAt > 0;
    },
    { timeoutMs: 20_000, intervalMs: 2, message: `no reload; stderr:\n${running.stderr()}` },
  );
  return { reissuedAt, reloadedAt };
}

test('a certificate that can no longer be reissued: /readyz 503 while the child is stopped, a restart failure, exit 75', async () => {
  const app = await appWithPki();
  const running = startCli(
    [
      '--metrics-addr',
      '0',
      '--kill-timeout',
      '3s',
      '--certificate',
      'tls=pki/web?common_name=localhost&ttl=6s',
      '--reload-signal',
      'HUP',
      '--',
      'node',
      fixture('ready-then-wait.mjs'),
    ],
    { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtimeDir(), KEEP_RUNNING_ON: 'SIGTERM' }) },
  );
  const address = await metricsAddress(running);
  await running.waitForOutput('READY');
  expect(await readyz(address)).toBe(200);
  // The policy loses pki/issue/web: the reissue at about two thirds of 6 s is refused.
  await vault().admin.writePolicy(app.role, appPolicy([]));
  await running.waitForOutput('SIGNAL SIGTERM', { timeoutMs: 15_000 });
  expect(running.stderr()).toContain('replacing the certificate tls was refused');
  // The child ignores SIGTERM for the kill timeout: vault-exec is still there, and not ready.
  expect(await readyz(address)).toBe(503);
  expect(sample(await scrape(address), 'vault_exec_restart_failures_total')).toBeGreaterThanOrEqual(1);
  expect((await running.exited).code).toBe(75);
});

describe('--template and --file under --watch', () => {
  test('a template over two paths renders once per change, and a change reaches the child as a signal', async () => {
    const [a1, b1, a2, b2] = ['a1', 'b1', 'a2', 'b2'].map((label) => secretValue(`tpl-${label}`));
    await vault().admin.writeKv2('files-tpl/a', { user: 'app', password: a1! });
    await vault().admin.writeKv2('files-tpl/b', { key: b1! });
    const app = await provisionApp(vault(), {
      readPaths: ['secret/data/files-tpl/*', 'secret/metadata/files-tpl/*'],
    });
    const template = join(shared, 'app.ini.tpl');
    writeFileSync(
      template,
      '[db]\nuser=${vault:secret/files-tpl/a#user}\npassword=${vault:secret/files-tpl/a#password}\n[api]\nkey=${vault:secret/files-tpl/b#key}\n',
    );
    const running = startCli(
      [
        '--watch',
        '1500ms',
        '--template',
        `${template}:app.ini`,
        '--file',
        'api.key=secret/files-tpl/b#key',
        '--reload-signal',
        'HUP',
        '--',
        'node',
        join(shared, 'report-files.mjs'),
      ],
      { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtimeDir() }) },
    );
    await running.waitForOutput('READY');
    const dir = /wrote 2 secret files to (\S+)/.exec(running.stderr())![1]!;
    expect(readFileSync(join(dir, 'app.ini'), 'utf8')).toBe(
      `[db]\nuser=app\npassword=${a1}\n[api]\nkey=${b1}\n`,
    );
    expect(running.stderr()).toContain('read 0 secrets and 3 values for files from 2 paths');
    // Both paths change within one interval: one rewrite of both files, one signal.
    await running.waitForOutput('checked the watched secrets: no change', { stream: 'stderr' });
    await vault().admin.writeKv2('files-tpl/a', { user: 'app', password: a2! });
    await vault().admin.writeKv2('files-tpl/b', { key: b2! });
    await waitFor(() => linesOf(running.stdout(), 'HUP ').length === 1, {
      timeoutMs: 10_000,
      message: `no signal; stderr:\n${running.stderr()}`,
    });
    expect(readFileSync(join(dir, 'app.ini'), 'utf8')).toBe(
      `[db]\nuser=app\npassword=${a2}\n[api]\nkey=${b2}\n`,
    );
    expect(running.stderr().match(/rewrote \d secret files?/g)).toEqual(['rewrote 2 secret files']);
    // A later check with nothing changed rewrites and signals nothing.
    const checks = (running.stderr().match(/checked the watched secrets: no change/g) ?? []).length;
    await waitFor(
      () => (running.stderr().match(/checked the watched secrets: no change/g) ?? []).length > checks + 1,
      {
        timeoutMs: 10_000,
      },
    );
    expect(linesOf(running.stdout(), 'HUP ')).toHaveLength(1);
    expect(linesOf(running.stdout(), 'FILES ')).toHaveLength(1);
    expect(running.stderr()).not.toContain('restarting the child');
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  test('with an env reference to a changed path too, the child restarts once and gets no signal', async () => {
    await vault().admin.writeKv2('files-env/a', { key: secretValue('env-a1') });
    const app = await provisionApp(vault(), {
      readPaths: ['secret/data/files-env/*', 'secret/metadata/files-env/*'],
    });
    const running = startCli(
      [
        '--watch',
        '500ms',
        '--file',
        'a.key=secret/files-env/a#key',
        '--secret',
        'A_KEY=secret/files-env/a#key',
        '--reload-signal',
        'HUP',
        '--',
        'node',
        join(shared, 'report-files.mjs'),
      ],
      { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtimeDir() }) },
    );
    await running.waitForOutput('READY');
    // The env and the file share one read of the path.
    expect(running.stderr()).toContain('read 1 secret and 1 value for files from 1 path');
    await vault().admin.writeKv2('files-env/a', { key: secretValue('env-a2') });
    await waitFor(() => linesOf(running.stdout(), 'FILES ').length === 2, {
      timeoutMs: 10_000,
      message: `no restart; stderr:\n${running.stderr()}`,
    });
    const [before, after] = linesOf(running.stdout(), 'FILES ').map(
      (line) => JSON.parse(line) as Record<string, string>,
    );
    expect(after!['a.key']).not.toBe(before!['a.key']);
    expect(running.stderr().match(/restarting the child/g)).toHaveLength(1);
    expect(linesOf(running.stdout(), 'HUP ')).toHaveLength(0);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });

  test('atomicity: a reader looping over the file during 100 rewrites never sees a partial or empty file', async () => {
    // 256 KiB, so a write that was not atomic would be seen half done.
    const payload = (version: number) => {
      const body = `${secretValue(`atomic-${version}`)}${'x'.repeat(256 * 1024)}`;
      return `${version}:${body}:${body.length}`;
    };
    await vault().admin.writeKv2('files-atomic/a', { blob: rememberSecret(payload(0)) });
    const app = await provisionApp(vault(), {
      readPaths: ['secret/data/files-atomic/*', 'secret/metadata/files-atomic/*'],
    });
    const runtime = runtimeDir();
    const running = startCli(
      [
        '--watch',
        '50ms',
        '--file',
        'blob=secret/files-atomic/a#blob',
        '--reload-signal',
        'HUP',
        '--',
        'node',
        join(shared, 'report-files.mjs'),
      ],
      { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtime }) },
    );
    await running.waitForOutput('READY');
    const dir = /wrote 1 secret file to (\S+)/.exec(running.stderr())![1]!;
    const probe = startNode([join(shared, 'read-loop.mjs'), join(dir, 'blob')]);
    await probe.waitForOutput('READY');
    const REWRITES = 100;
    for (let version = 1; version <= REWRITES; version++) {
      await vault().admin.writeKv2('files-atomic/a', { blob: rememberSecret(payload(version)) });
      await waitFor(() => linesOf(running.stdout(), 'HUP ').length >= version, {
        timeoutMs: 10_000,
        intervalMs: 5,
        message: `rewrite ${version} never came; stderr:\n${running.stderr().slice(-2000)}`,
      });
    }
    probe.kill('SIGTERM');
    const result = JSON.parse(linesOf((await probe.exited).stdout, 'READ ')[0]!) as {
      reads: number;
      bad: number;
      versions: number;
    };
    console.log(
      `atomicity: ${REWRITES} rewrites, ${result.reads} reads, ${result.bad} partial or empty, ${result.versions} versions seen`,
    );
    expect(result.bad).toBe(0);
    expect(result.versions).toBeGreaterThan(REWRITES / 2);
    expect(running.stderr().match(/rewrote 1 secret file/g)).toHaveLength(REWRITES);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  }, 120_000);
});

describe('the files are removed at every exit', () => {
  let app: AppCredentials;
  const FILE = ['--file', 'a.key=secret/files-exit/a#key'];
  beforeAll(async () => {
    await vault().admin.writeKv2('files-exit/a', { key: secretValue('exit-a') });
    await vault().admin.writeKv2('files-exit/big', {
      value: rememberSecret(`big-${'y'.repeat(200 * 1024)}`),
    });
    app = await provisionApp(vault(), { readPaths: ['secret/data/files-exit/*'] });
  });
  const envWith = (runtime: string, credentials = app) =>
    cliEnv(vault(), credentials, { XDG_RUNTIME_DIR: runtime });

  test('the child exits by itself: its code, and nothing left', async () => {
    const runtime = runtimeDir();
    const result = await runCli(
      [...FILE, '--', 'sh', '-c', 'test -s "$VAULT_EXEC_FILES_DIR/a.key" && exit 3'],
      {
        env: envWith(runtime),
      },
    );
    expect(result.code, result.stderr).toBe(3);
    expect(readdirSync(runtime)).toEqual([]);
  });

  test('a stop signal', async () => {
    const runtime = runtimeDir();
    const running = startCli([...FILE, '--', 'node', join(shared, 'report-files.mjs')], {
      env: envWith(runtime),
    });
    await running.waitForOutput('READY');
    expect(readdirSync(runtime)).toHaveLength(1);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
    expect(readdirSync(runtime)).toEqual([]);
  });

  test('a renewal failure (exit 75)', async () => {
    const short = await provisionApp(vault(), { readPaths: ['secret/data/files-exit/*'], tokenTtl: '3s' });
    const runtime = runtimeDir();
    const running = startCli([...FILE, '--', 'node', join(shared, 'report-files.mjs')], {
      env: envWith(runtime, short),
    });
    await running.waitForOutput('READY');
    await revokeTokensOfRole(vault(), short.role);
    expect((await running.exited).code).toBe(75);
    expect(readdirSync(runtime)).toEqual([]);
  });

  test.skipIf(testsStandaloneBinary)('an internal error (exit 70), where no finally runs', async () => {
    const runtime = runtimeDir();
    const running = startNode(
      [
        '--require',
        fixture('throw-on-sigusr2.cjs'),
        bundlePath,
        ...FILE,
        '--',
        'sh',
        '-c',
        'echo READY; exec sleep 60',
      ],
      { env: envWith(runtime) },
    );
    rememberCliRun(running);
    await running.waitForOutput('READY');
    expect(readdirSync(runtime)).toHaveLength(1);
    running.kill('SIGUSR2');
    const { code } = await running.status;
    expect(code).toBe(70);
    expect(running.stderr()).toContain('internal error, please report it: Error: injected fault');
    expect(readdirSync(runtime)).toEqual([]);
  });

  test('a start that fails after the files were written: a command not found (127), an env too big (65)', async () => {
    const runtime = runtimeDir();
    const missing = await runCli([...FILE, '--', '/nonexistent/command'], { env: envWith(runtime) });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('wrote 1 secret file to');
    expect(readdirSync(runtime)).toEqual([]);
    const big = await runCli([...FILE, '--secret', 'BIG=secret/files-exit/big#value', '--', 'true'], {
      env: envWith(runtime),
    });
    expect(big.code).toBe(65);
    expect(readdirSync(runtime)).toEqual([]);
  });
});

describe('where the files may go', () => {
  let app: AppCredentials;
  const FILE = ['--file', 'a.key=secret/files-where/a#key'];
  beforeAll(async () => {
    await vault().admin.writeKv2('files-where/a', { key: secretValue('where-a') });
    app = await provisionApp(vault(), { readPaths: ['secret/data/files-where/*'] });
  });
  const lastLine = (stderr: string) => stderr.trimEnd().split('\n').at(-1)!;

  test.skipIf(isMemoryBacked(tmpdir()))(
    'a disk-backed default is refused in one line (73) before the child starts; named with --files-dir it is used',
    async () => {
      const disk = mkdtempSync(join(tmpdir(), 'vault-exec-disk-'));
      made.push(disk);
      const refused = await runCli([...FILE, '--', 'sh', '-c', 'echo STARTED'], {
        env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: disk }),
      });
      expect(refused.code).toBe(73);
      expect(refused.stdout).not.toContain('STARTED');
      expect(lastLine(refused.stderr)).toMatch(
        /is not a memory-backed filesystem, so the secret files would be written to a disk and outlive vault-exec; name a directory with --files-dir/,
      );
      const named = await runCli(
        ['--files-dir', disk, ...FILE, '--', 'sh', '-c', 'echo STARTED; ls "$VAULT_EXEC_FILES_DIR"'],
        {
          env: cliEnv(vault(), app),
        },
      );
      expect(named.code, named.stderr).toBe(0);
      expect(named.stdout).toBe('STARTED\na.key\n');
      expect(readdirSync(disk)).toEqual([]);
    },
  );

  test('an unwritable destination is one line and exit 73, before the child starts', async () => {
    const file = join(shared, 'a-file');
    writeFileSync(file, '');
    const result = await runCli(
      ['--files-dir', `${file}/secrets`, ...FILE, '--', 'sh', '-c', 'echo STARTED'],
      {
        env: cliEnv(vault(), app),
      },
    );
    expect(result.code).toBe(73);
    expect(result.stdout).toBe('');
    expect(lastLine(result.stderr)).toMatch(
      /cannot prepare the directory for secret files .*\/a-file\/secrets: a file stands where a directory should be; name a writable directory with --files-dir$/,
    );
    expect(result.stderr.match(/cannot prepare the directory/g)).toHaveLength(1);
  });

  test('a template naming a key that does not exist fails the start (78) before anything is written', async () => {
    const runtime = runtimeDir();
    const template = join(shared, 'missing-key.tpl');
    writeFileSync(template, 'x=${vault:secret/files-where/a#nope}\n');
    const result = await runCli(['--template', `${template}:x.conf`, '--', 'sh', '-c', 'echo STARTED'], {
      env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtime }),
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(lastLine(result.stderr)).toContain(
      'key "nope" not found in secret/files-where/a; keys present: key',
    );
    expect(readdirSync(runtime)).toEqual([]);
  });

  test('an existing --files-dir others can enter: check and a start refuse it (73) and leave its mode', async () => {
    const open = mkdtempSync(join(tmpdir(), 'vault-exec-open-'));
    made.push(open);
    chmodSync(open, 0o755);
    writeFileSync(join(open, 'app.yaml'), 'config\n');
    writeFileSync(join(open, '.vault-exec-files'), 'app.yaml\n', { mode: 0o600 });
    const line = `--files-dir ${open} is 0755, open to other users: secret files go only into a directory no one else can enter, and vault-exec does not change an existing directory's mode; chmod 0700 it, or name a new directory for vault-exec to make`;
    const checked = await runCli(['check', '--files-dir', open, ...FILE], { env: cliEnv(vault(), app) });
    expect(checked.code).toBe(73);
    expect(lastLine(checked.stderr)).toContain(line);
    const started = await runCli(['--files-dir', open, ...FILE, '--', 'sh', '-c', 'echo STARTED'], {
      env: cliEnv(vault(), app),
    });
    expect(started.code).toBe(73);
    expect(started.stdout).toBe('');
    expect(lastLine(started.stderr)).toContain(line);
    expect(statSync(open).mode & 0o777).toBe(0o755);
    expect(readdirSync(open).sort()).toEqual(['.vault-exec-files', 'app.yaml']);
  });

  test('a link named .vault-exec-files is replaced, never written through', async () => {
    const dir = runtimeDir();
    const victim = join(runtimeDir(), 'victim');
    writeFileSync(victim, 'root:x:0:0:root:/root:/bin/sh\n');
    const outside = join(runtimeDir(), 'created-outside');
    symlinkSync(victim, join(dir, '.vault-exec-files'));
    const first = await runCli(['--files-dir', dir, ...FILE, '--', 'true'], { env: cliEnv(vault(), app) });
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0:root:/root:/bin/sh\n');
    symlinkSync(outside, join(dir, '.vault-exec-files'));
    const second = await runCli(['--files-dir', dir, ...FILE, '--', 'true'], { env: cliEnv(vault(), app) });
    expect(second.code, second.stderr).toBe(0);
    expect(existsSync(outside)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('check lists the destinations and writes nothing', async () => {
    const runtime = runtimeDir();
    const result = await runCli(['check', ...FILE, '--certificate', 'tls=pki/web?common_name=localhost'], {
      env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtime }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      ['a.key', 'tls.crt', 'tls.key', 'tls.ca.crt'].map((name) => `$VAULT_EXEC_FILES_DIR/${name}\n`).join(''),
    );
    expect(readdirSync(runtime)).toEqual([]);
    expect(result.stderr).toContain('check issues no certificate');
  });
});

describe('a start that fails after a certificate was issued', () => {
  test('revokes it: a later certificate refused (77)', async () => {
    const app = await appWithPki();
    const result = await runCli(
      [
        '--certificate',
        'tls=pki/web?common_name=localhost',
        '--certificate',
        'other=pki/web?common_name=not-allowed.example',
        '--',
        'sh',
        '-c',
        'echo STARTED',
      ],
      { env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtimeDir() }) },
    );
    expect(result.code).toBe(77);
    expect(result.stdout).toBe('');
    const serial = /issued the certificate tls .*\(serial ([0-9a-f:]+),/.exec(result.stderr)![1]!;
    expect(result.stderr).toContain(`revoked the unused certificate ${serial}`);
    const lookup = await vault().admin.request('GET', `pki/cert/${serial}`);
    expect(lookup.body.data.revocation_time).toBeGreaterThan(0);
  });
});

describe('after a SIGKILL of vault-exec', () => {
  test('the files stay, and the next start in the same directory removes them', async () => {
    await vault().admin.writeKv2('files-kill/a', { key: secretValue('kill-a') });
    const app = await provisionApp(vault(), { readPaths: ['secret/data/files-kill/*'] });
    const named = join(runtimeDir(), 'named');
    const runtime = runtimeDir();
    const FILE = ['--file', 'a.key=secret/files-kill/a#key'];
    const killed = startCli(['--files-dir', named, ...FILE, '--', 'node', join(shared, 'report-files.mjs')], {
      env: cliEnv(vault(), app),
    });
    const killedDefault = startCli([...FILE, '--', 'node', join(shared, 'report-files.mjs')], {
      env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtime }),
    });
    await Promise.all([killed.waitForOutput('READY'), killedDefault.waitForOutput('READY')]);
    process.kill(killed.pid, 'SIGKILL');
    process.kill(killedDefault.pid, 'SIGKILL');
    await Promise.all([killed.status, killedDefault.status]);
    killAllStarted(); // the orphaned children
    expect(readdirSync(named).sort()).toEqual(['.vault-exec-files', 'a.key']);
    const [left] = readdirSync(runtime);
    expect(left).toMatch(new RegExp(`^vault-exec-files\\.[0-9]+\\.${killedDefault.pid}\\.`));

    const again = await runCli(['--files-dir', named, ...FILE, '--', 'true'], { env: cliEnv(vault(), app) });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`removed 1 stale file an earlier run left in ${named}`);
    expect(readdirSync(named)).toEqual([]);
    const againDefault = await runCli([...FILE, '--', 'true'], {
      env: cliEnv(vault(), app, { XDG_RUNTIME_DIR: runtime }),
    });
    expect(againDefault.code, againDefault.stderr).toBe(0);
    expect(againDefault.stderr).toContain(
      `removed ${join(runtime, left!)}, left by an earlier run that no longer exists`,
    );
    expect(readdirSync(runtime)).toEqual([]);
  });
});
