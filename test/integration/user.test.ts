// --user: vault-exec starts as root, logs in and reads as root, and runs the child as another user
// who can read neither vault-exec's /proc environ nor the root-owned 0600 credential files. The
// tests run as root (as a container's entrypoint does) and use nobody, present on every Linux
// system. The fixture and the bundle are copied to a world-readable directory so the
// checks do not depend on where the repository is checked out.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { cliCommand, fixture, killAllStarted, runCli } from '../support/processes';
import { runInProcess } from '../support/run-in-process';
import { useVaultServer } from '../support/vault-server';

/** nobody as this machine's account files have it (Debian: 65534, nogroup, /nonexistent), read independently. */
const NOBODY = (() => {
  const fields = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('nobody:'))
    ?.split(':');
  if (!fields) throw new Error('these tests need a nobody user in /etc/passwd');
  const gid = Number(fields[3]);
  const group = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((entry) => Number(entry[2]) === gid)?.[0];
  return { uid: Number(fields[2]), gid, home: fields[5]!, group: group ?? String(gid) };
})();
/** Groups a container's root usually has (Docker gives it 0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27). */
const ROOT_SUPPLEMENTARY_GROUPS = [0, 4, 27];

/**
 * --user needs root, as an entrypoint has it. A developer's non-root run skips these tests rather than
 * failing them; CI (which runs as root, as it installs packages) must not skip them silently.
 */
const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI)
  throw new Error('the --user tests must run as root in CI, as an entrypoint does');

const vault = useVaultServer();
const secret = secretValue('user-secret');
let app: AppCredentials;
let shared: string;
let reportIdentity: string[];
/** cliCommand, with what the test's own Node is not copied where `nobody` can run it. */
let sharedCli: string[];
let proxy: FaultProxy;

beforeAll(async () => {
  if (!isRoot) return;
  // vault-exec inherits these; the child having none of them shows they were dropped, not absent.
  process.setgroups!(ROOT_SUPPLEMENTARY_GROUPS);
  await vault().admin.writeKv2('user-test/app', { secret });
  app = await provisionApp(vault(), { readPaths: ['secret/data/user-test/*'] });
  shared = mkdtempSync(join(tmpdir(), 'vault-exec-user-'));
  chmodSync(shared, 0o755);
  copyFileSync(fixture('report-identity.mjs'), join(shared, 'report-identity.mjs'));
  sharedCli = cliCommand.map((file) => {
    if (file === process.execPath) return file;
    copyFileSync(file, join(shared, basename(file)));
    return join(shared, basename(file));
  });
  reportIdentity = ['node', join(shared, 'report-identity.mjs')];
  proxy = await startFaultProxy({ upstreamPort: vault().port });
});
afterAll(() => proxy?.close());
afterEach(() => killAllStarted());

interface Identity {
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  groups: number[];
  env: { HOME?: string; USER?: string; LOGNAME?: string };
  secretSha256?: string;
  reads: Record<string, string>;
}

const identityFrom = (stdout: string): Identity => {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('IDENTITY '));
  if (!line) throw new Error(`the child printed no IDENTITY line; stdout was:\n${stdout}`);
  return JSON.parse(line.slice('IDENTITY '.length)) as Identity;
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** role_id and secret_id as an init container leaves them: root's, mode 0600. */
function rootOnlyCredentialFiles(): { roleIdFile: string; secretIdFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-user-creds-'));
  chmodSync(dir, 0o755); // the directory is open: only the files' own mode protects them
  const roleIdFile = join(dir, 'role-id');
  const secretIdFile = join(dir, 'secret-id');
  writeFileSync(roleIdFile, `${app.roleId}\n`, { mode: 0o600 });
  writeFileSync(secretIdFile, `${app.secretId}\n`, { mode: 0o600 });
  return { roleIdFile, secretIdFile };
}

const runChild = (flags: string[], childArgs: string[], credentials: AppCredentials | undefined = app) =>
  runCli(
    [...flags, '--secret', 'SECRET=secret/user-test/app#secret', '--', ...reportIdentity, ...childArgs],
    {
      env: cliEnv(vault(), credentials, { HOME: '/home/root', USER: 'root', LOGNAME: 'root' }),
      cwd: shared,
    },
  );

describe.runIf(isRoot)('the child runs as the given user', () => {
  test('with the uid and gid of nobody, no supplementary groups, its HOME, USER and LOGNAME, and the secrets', async () => {
    const result = await runChild(['--user', 'nobody'], []);
    expect(result.code, result.stderr).toBe(0);
    const identity = identityFrom(result.stdout);
    expect(identity).toMatchObject({ uid: NOBODY.uid, gid: NOBODY.gid, euid: NOBODY.uid, egid: NOBODY.gid });
    expect(identity.groups).toEqual([]);
    expect(identity.env).toEqual({ HOME: NOBODY.home, USER: 'nobody', LOGNAME: 'nobody' });
    expect(identity.secretSha256).toBe(sha256(secret));
    // Without --user the child keeps them: the empty list above is the drop, not their absence.
    expect(identityFrom((await runChild([], [])).stdout).groups).toEqual(ROOT_SUPPLEMENTARY_GROUPS);
  });

  test('with a group given by name or number after the colon', async () => {
    for (const spec of [`nobody:${NOBODY.group}`, `${NOBODY.uid}:${NOBODY.gid}`]) {
      const result = await runChild(['--user', spec], []);
      expect(result.code, result.stderr).toBe(0);
      expect(identityFrom(result.stdout)).toMatchObject({ uid: NOBODY.uid, gid: NOBODY.gid, groups: [] });
    }
  });

  test('a numeric uid without a passwd entry keeps gid 0 and gets HOME=/ and no USER, as gosu does', async () => {
    const result = await runChild(['--user', '4242'], []);
    expect(result.code, result.stderr).toBe(0);
    const identity = identityFrom(result.stdout);
    expect(identity).toMatchObject({ uid: 4242, gid: 0, groups: [] });
    expect(identity.env).toEqual({ HOME: '/' });
  });

  test('the env twin VAULT_EXEC_USER does the same', async () => {
    const result = await runCli(['--secret', 'SECRET=secret/user-test/app#secret', '--', ...reportIdentity], {
      env: cliEnv(vault(), app, { VAULT_EXEC_USER: `nobody:${NOBODY.group}` }),
      cwd: shared,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(identityFrom(result.stdout)).toMatchObject({ uid: NOBODY.uid, gid: NOBODY.gid });
  });
});

describe.runIf(isRoot)("the child cannot read vault-exec's credentials", () => {
  test('/proc/$PPID/environ, which holds the original VAULT_SECRET_ID, is unreadable with --user (and readable without)', async () => {
    const withUser = identityFrom((await runChild(['--user', 'nobody'], ['parent-environ'])).stdout);
    expect(withUser.reads['parent-environ']).toBe('EACCES');

    // What the README says the child can read without --user.
    const without = identityFrom((await runChild([], ['parent-environ'])).stdout);
    expect(without.reads['parent-environ']).toBe('readable, VAULT_SECRET_ID present');
  });

  test('the root-owned 0600 role-id and secret-id files are unreadable with --user (and readable without)', async () => {
    const { roleIdFile, secretIdFile } = rootOnlyCredentialFiles();
    const fileFlags = ['--role-id-file', roleIdFile, '--secret-id-file', secretIdFile];
    const withUser = await runChild(
      [...fileFlags, '--user', 'nobody'],
      [roleIdFile, secretIdFile],
      undefined,
    );
    expect(withUser.code, withUser.stderr).toBe(0);
    const identity = identityFrom(withUser.stdout);
    expect(identity.reads).toEqual({ [roleIdFile]: 'EACCES', [secretIdFile]: 'EACCES' });
    // vault-exec, still root, read them and logged in: the secret arrived.
    expect(identity.secretSha256).toBe(sha256(secret));

    const without = identityFrom((await runChild(fileFlags, [roleIdFile, secretIdFile], undefined)).stdout);
    expect(without.reads).toEqual({ [roleIdFile]: 'readable', [secretIdFile]: 'readable' });
  });
});

describe.runIf(isRoot)('a --user that cannot work is a usage error before anything else', () => {
  const argsFor = (user: string) => [
    '--user',
    user,
    '--secret',
    'SECRET=secret/user-test/app#secret',
    '--',
    ...reportIdentity,
  ];
  const envAgainstProxy = () => cliEnv(vault(), app, { VAULT_ADDR: proxy.url });

  // The lookup happens before Vault is asked anything, so the rows run in-process (the same
  // /etc/passwd and /etc/group); the bundle shows the rule once.
  test.each([
    ['no-such-user-here', 'no user "no-such-user-here" in /etc/passwd'],
    ['nobody:no-such-group-here', 'no group "no-such-group-here" in /etc/group'],
    ['nobody:', 'invalid value "nobody:" for --user'],
  ])(
    '--user %s exits 64 with one line, sends no request to Vault and starts no child',
    async (user, text) => {
      proxy.resetRequests();
      const result = await runInProcess(argsFor(user), { env: envAgainstProxy(), cwd: shared });
      expect(result.code).toBe(64);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(text)]);
      expect(result.stderr).toMatch(/^vault-exec: /);
      expect(proxy.requests()).toEqual([]);
    },
  );

  test('the bundle refuses an unknown --user with one line, no request to Vault and no child', async () => {
    proxy.resetRequests();
    const result = await runCli(argsFor('no-such-user-here'), { env: envAgainstProxy(), cwd: shared });
    expect(result.code).toBe(64);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^vault-exec: .*no user "no-such-user-here" in \/etc\/passwd/),
    ]);
    expect(result.stdout).not.toContain('IDENTITY');
    expect(proxy.requests()).toEqual([]);
  });

  test('--user as a root without CAP_SETUID and CAP_SETGID says which capabilities are missing', async () => {
    // A container that drops capabilities: root, but the kernel refuses the change of user.
    const result = await promisify(execFile)(
      'setpriv',
      ['--bounding-set', '-setuid,-setgid', ...sharedCli, '--user', 'nobody', '--', ...reportIdentity],
      { env: cliEnv(vault(), app), cwd: shared },
    ).then(
      () => expect.fail('the child should not have started'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).toBe(126);
    expect(result.stdout).not.toContain('IDENTITY');
    expect(result.stderr.split('\n')).toContain(
      `vault-exec: cannot start node as uid ${NOBODY.uid}, gid ${NOBODY.gid}: changing the user was refused (EPERM); --user needs the CAP_SETUID and CAP_SETGID capabilities: keep them in the container, or drop --user`,
    );
  });

  test('--user when vault-exec does not run as root exits 64 and sends no request to Vault', async () => {
    proxy.resetRequests();
    const env = cliEnv(vault(), app, { VAULT_ADDR: proxy.url });
    const failure = await promisify(execFile)(
      sharedCli[0]!,
      [...sharedCli.slice(1), '--user', 'nobody', '--', ...reportIdentity],
      { env, cwd: shared, uid: NOBODY.uid, gid: NOBODY.gid },
    ).then(
      () => expect.fail('vault-exec should have refused --user without root'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure.code).toBe(64);
    expect(failure.stderr.trim()).toBe(
      `vault-exec: --user needs vault-exec to start as root, but it runs as uid ${NOBODY.uid}: start it as root (the image's default user) or drop --user`,
    );
    expect(failure.stdout).toBe('');
    expect(proxy.requests()).toEqual([]);
  });
});
