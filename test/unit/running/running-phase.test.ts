import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { SecretFiles } from '../../../src/child/secret-files';
import type { Config } from '../../../src/cli/config';
import { configFromArgv } from '../../support/config-from-argv';
import { createLogger } from '../../../src/util/log';
import { startUp } from '../../../src/commands/start-up';
import { CredentialLedger } from '../../../src/running/credential-ledger';
import { buildGeneration } from '../../../src/running/generation';
import { RunningPhase } from '../../../src/running/running-phase';
import { createVaultExecMetrics } from '../../../src/metrics/vault-exec-metrics';
import { VaultUnavailableError } from '../../../src/util/errors';
import { issueAtStart } from '../../../src/vault/pki';
import type { Observer } from '../../../src/util/observer';
import type { Logger } from '../../../src/util/log';
import { createFakeChildren, createScriptedVault, type ScriptedVault } from './scripted-vault';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

function configOf(argv: string[], env: Record<string, string>): Config {
  const result = configFromArgv([...argv, '--', 'app'], env);
  if (result.kind !== 'run') throw new Error('expected a run');
  return result.config;
}

const USER_TOKEN = { VAULT_ADDR: 'http://vault.test:8200', VAULT_TOKEN: 'user-token' };
const APPROLE = { VAULT_ADDR: 'http://vault.test:8200', VAULT_ROLE_ID: 'role', VAULT_SECRET_ID: 'secret' };

/** The start-up run, check and env share (commands/start-up.ts), against the scripted Vault. */
async function logInAndRead(vault: ScriptedVault, config: Config, log: Logger, observer?: Observer) {
  const now = () => Date.now();
  const ledger = new CredentialLedger(vault, log, now);
  const started = await startUp({
    config,
    client: vault,
    log,
    ledger,
    now,
    signal: new AbortController().signal,
    observer,
  });
  return { ledger, login: started, secrets: started.secrets };
}

async function startPhase(
  vault: ScriptedVault,
  argv: string[],
  env: Record<string, string> = USER_TOKEN,
  observer?: Observer,
  /** Where --file, --template and --certificate write, as `vault-exec run` opens it; none without. */
  filesDir?: string,
) {
  const config = configOf(argv, env);
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', format: 'text', write: (line) => lines.push(line) });
  const { children, spawn } = createFakeChildren(vault.calls);
  const { ledger, login, secrets } = await logInAndRead(vault, config, log, observer);
  const certificates = [];
  for (const request of config.files.certificates)
    certificates.push(await issueAtStart(vault, login.session.token, request, log));
  const files =
    filesDir === undefined
      ? undefined
      : SecretFiles.open({ explicitDir: filesDir, env: {}, mode: 0o400, log });
  const first = buildGeneration({
    config,
    inherited: {},
    secrets,
    token: login.session.token,
    log,
    filesDir,
    certificates,
  });
  files?.write(first.files);
  const phase = new RunningPhase({
    config,
    client: vault,
    log,
    ledger,
    login,
    first,
    inherited: {},
    terminal: false,
    now: () => Date.now(),
    spawn,
    files,
    observer,
  });
  return { phase, children, lines, log: () => lines.join('') };
}

const reads = (vault: ScriptedVault, path: string) =>
  vault.calls.filter((call) => call === `GET ${path}`).length;

describe('make-before-break under --watch', () => {
  test('a changed KV secret is read before the old child is stopped, and the new child gets it', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const { children } = await startPhase(vault, ['--watch', '1s', '--secret', 'KEY=secret/app#key']);
    vault.writeKv2('app', { key: 'two' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children.map((child) => child.env.KEY)).toEqual(['one', 'two']);
    const lastRead = vault.calls.lastIndexOf('GET secret/data/app');
    expect(lastRead).toBeLessThan(vault.calls.indexOf('kill child 0 SIGTERM'));
  });

  test('a preparation that fails keeps the old child running and is tried again at the next check', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    vault.writeKv2('other', { key: 'x' });
    const { children, log } = await startPhase(vault, [
      '--watch',
      '1s',
      '--secret',
      'KEY=secret/app#key',
      '--secret',
      'OTHER=secret/other#key',
    ]);
    vault.writeKv2('app', { key: 'two' });
    vault.denied.add('secret/data/app');
    await vi.advanceTimersByTimeAsync(3_000);
    // The check reads the version from the metadata, which the policy still allows.
    expect(children).toHaveLength(1);
    expect(children[0]!.signals).toEqual([]);
    vault.denied.clear();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children.map((child) => child.env.KEY)).toEqual(['one', 'two']);
    expect(log().match(/the child keeps running, and the next check tries again/g)).toHaveLength(3);
  });

  test('several changes within one interval give one restart', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('a', { key: 'a1' });
    vault.writeKv2('b', { key: 'b1' });
    const { children, log } = await startPhase(vault, [
      '--watch',
      '1s',
      '--secret',
      'A=secret/a#key',
      '--secret',
      'B=secret/b#key',
    ]);
    vault.writeKv2('a', { key: 'a2' });
    vault.writeKv2('b', { key: 'b2' });
    vault.writeKv2('a', { key: 'a3' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(children.map((child) => [child.env.A, child.env.B])).toEqual([
      ['a1', 'b1'],
      ['a3', 'b2'],
    ]);
    expect(log()).toContain('secret/data/a changed (version 1 → 3); secret/data/b changed (version 1 → 2)');
  });
});

describe('leases', () => {
  test('a KV change keeps the still-valid dynamic credentials instead of minting new ones', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const { children } = await startPhase(vault, [
      '--watch',
      '1s',
      '--secret',
      'KEY=secret/app#key',
      '--secret',
      'DB_USER=database/creds/app#username',
    ]);
    vault.writeKv2('app', { key: 'two' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children).toHaveLength(2);
    expect(children[1]!.env.DB_USER).toBe(children[0]!.env.DB_USER);
    expect(reads(vault, 'database/creds/app')).toBe(1);
    expect(vault.calls.some((call) => call.startsWith('PUT sys/leases/revoke'))).toBe(false);
  });

  test('a lease at its max TTL is replaced before the old child stops, and revoked once it exited', async () => {
    const vault = createScriptedVault();
    vault.leaseTtl = 30;
    vault.leaseMaxTtl = 40;
    vault.writeKv2('app', { key: 'one' });
    const { children } = await startPhase(vault, [
      '--secret',
      'KEY=secret/app#key',
      '--secret',
      'DB_USER=database/creds/app#username',
    ]);
    const firstUser = children[0]!.env.DB_USER;
    await vi.advanceTimersByTimeAsync(40_000);
    expect(children).toHaveLength(2);
    expect(children[1]!.env.DB_USER).not.toBe(firstUser);
    expect(children[1]!.env.KEY).toBe('one');
    expect(reads(vault, 'secret/data/app')).toBe(1);
    const secondRead = vault.calls.lastIndexOf('GET database/creds/app');
    const stop = vault.calls.indexOf('kill child 0 SIGTERM');
    const revoke = vault.calls.findIndex((call) =>
      call.startsWith('PUT sys/leases/revoke database/creds/app/'),
    );
    expect(secondRead).toBeLessThan(stop);
    expect(stop).toBeLessThan(vault.calls.indexOf('spawn child 1'));
    expect(vault.calls.indexOf('spawn child 1')).toBeLessThan(revoke);
  });

  test('a lease whose replacement cannot be read keeps the old child until the lease expires, then exits 75', async () => {
    const vault = createScriptedVault();
    vault.leaseTtl = 30;
    vault.leaseMaxTtl = 30;
    const { phase, children, log } = await startPhase(vault, [
      '--secret',
      'DB_USER=database/creds/app#username',
    ]);
    vault.denied.add('database/creds/app');
    let code: number | undefined;
    void phase.exited.then((value) => (code = value));
    await vi.advanceTimersByTimeAsync(29_000);
    expect(children[0]!.signals).toEqual([]);
    expect(log()).toContain('the child keeps running, retrying in');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(0);
    expect(code).toBe(75);
    expect(log()).toContain('could not read fresh secrets before the old ones expired');
  });

  test("at exit the leases read with the user's token are revoked one by one", async () => {
    const vault = createScriptedVault();
    const { phase } = await startPhase(vault, ['--secret', 'DB_USER=database/creds/app#username']);
    await phase.close();
    expect(vault.calls.filter((call) => call.startsWith('PUT sys/leases/revoke'))).toEqual([
      'PUT sys/leases/revoke database/creds/app/1',
    ]);
    expect(vault.calls).not.toContain('POST auth/token/revoke-self');
  });

  test('a lease read by a preparation still in flight at SIGTERM is revoked at exit too', async () => {
    const vault = createScriptedVault();
    const { phase } = await startPhase(vault, ['--secret', 'DB_USER=database/creds/app#username']);
    // The next read of the dynamic path answers only when the test lets it: SIGTERM arrives meanwhile.
    const answer = vault.request.bind(vault);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    vault.request = async (method, path, options) => {
      if (path === 'database/creds/app') await held;
      return answer(method, path, options);
    };
    void phase.requestRestart({
      reason: 'test',
      cause: 'lease-end',
      replace: new Set(['database/creds/app']),
    });
    await vi.advanceTimersByTimeAsync(0);
    phase.dispatchSignal('SIGTERM');
    await phase.exited;
    const closed = phase.close();
    await vi.advanceTimersByTimeAsync(100);
    release();
    await closed;
    const revoked = vault.calls.filter((call) => call.startsWith('PUT sys/leases/revoke'));
    expect(revoked.sort()).toEqual([
      'PUT sys/leases/revoke database/creds/app/1',
      'PUT sys/leases/revoke database/creds/app/2',
    ]);
  });

  test('a lease answered without a valid lease_duration is a transient fault, and is revoked', async () => {
    const vault = createScriptedVault();
    const answer = vault.request.bind(vault);
    vault.request = async (method, path, options) => {
      const response = await answer(method, path, options);
      if (path === 'database/creds/app') delete response.body.lease_duration;
      return response;
    };
    const config = configOf(['--secret', 'DB_USER=database/creds/app#username'], USER_TOKEN);
    const log = createLogger({ level: 'debug', format: 'text', write: () => {} });
    const error = await logInAndRead(vault, config, log).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).toContain('without a valid lease_duration');
  });

  test('the wait for a read in flight and the revocation share one 2 s budget at exit', async () => {
    const vault = createScriptedVault();
    const { phase } = await startPhase(vault, ['--secret', 'DB_USER=database/creds/app#username'], APPROLE);
    const answer = vault.request.bind(vault);
    const revocations: Array<{ at: number; timeoutMs?: number }> = [];
    vault.request = async (method, path, options) => {
      // A read that never answers, and a Vault that answers revocations only at their timeout.
      if (path === 'database/creds/app') return new Promise(() => {});
      if (path === 'auth/token/revoke-self') {
        revocations.push({ at: Date.now(), timeoutMs: options?.timeoutMs });
        await new Promise((resolve) => setTimeout(resolve, options?.timeoutMs ?? 60_000));
      }
      return answer(method, path, options);
    };
    void phase.requestRestart({
      reason: 'test',
      cause: 'lease-end',
      replace: new Set(['database/creds/app']),
    });
    await vi.advanceTimersByTimeAsync(0);
    phase.dispatchSignal('SIGTERM');
    await phase.exited;
    const closing = Date.now();
    let closed = false;
    void phase.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(closed).toBe(true);
    expect(revocations).toHaveLength(1);
    expect(revocations[0]!.at - closing + revocations[0]!.timeoutMs!).toBeLessThanOrEqual(2_000);
  });

  test('at exit a token vault-exec logged in for is revoked, which ends its leases', async () => {
    const vault = createScriptedVault();
    const { phase } = await startPhase(vault, ['--secret', 'DB_USER=database/creds/app#username'], APPROLE);
    await phase.close();
    expect(vault.calls).toContain('POST auth/token/revoke-self');
    expect(vault.calls.some((call) => call.startsWith('PUT sys/leases/revoke'))).toBe(false);
  });
});

describe('static roles under --watch', () => {
  test('an idle static role never restarts the child, though its ttl counts down', async () => {
    const vault = createScriptedVault();
    vault.rotateStaticRole('app');
    const { children } = await startPhase(vault, [
      '--watch',
      '1s',
      '--secret',
      'PW=database/static-creds/app#password',
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(children).toHaveLength(1);
    expect(reads(vault, 'database/static-creds/app')).toBeGreaterThanOrEqual(10);
  });

  test('a rotation restarts the child once with the new password', async () => {
    const vault = createScriptedVault();
    vault.rotateStaticRole('app');
    const { children, log } = await startPhase(vault, [
      '--watch',
      '1s',
      '--secret',
      'PW=database/static-creds/app#password',
    ]);
    await vi.advanceTimersByTimeAsync(2_500);
    vault.rotateStaticRole('app');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(children).toHaveLength(2);
    expect(children[1]!.env.PW).not.toBe(children[0]!.env.PW);
    expect(log()).toContain('database/static-creds/app changed (the static role was rotated)');
  });

  test('paths of other engines are named at start as not watched', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const { log } = await startPhase(vault, [
      '--watch',
      '1s',
      '--secret',
      'KEY=secret/app#key',
      '--secret',
      'ROLE=database/roles/app#db_name',
    ]);
    expect(log()).toContain(
      'vault-exec: --watch does not watch database/roles/app: only KV secrets and database static roles can be compared',
    );
  });
});

describe('--pass-token', () => {
  test('a re-login at the max TTL restarts the child with the new token before the old one expires', async () => {
    const vault = createScriptedVault();
    vault.tokenTtl = 30;
    vault.tokenMaxTtl = 45;
    const { children } = await startPhase(vault, ['--pass-token'], APPROLE);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(children).toHaveLength(2);
    expect(children[1]!.env.VAULT_TOKEN).not.toBe(children[0]!.env.VAULT_TOKEN);
    const relogin = vault.calls.lastIndexOf('POST auth/approle/login');
    expect(relogin).toBeLessThan(vault.calls.indexOf('kill child 0 SIGTERM'));
    // The old token is revoked once the child holding it has exited.
    expect(vault.calls.indexOf('spawn child 1')).toBeLessThan(
      vault.calls.lastIndexOf('POST auth/token/revoke-self'),
    );
  });

  test('without --pass-token or leases a re-login never restarts the child', async () => {
    const vault = createScriptedVault();
    vault.tokenTtl = 30;
    vault.tokenMaxTtl = 45;
    const { children } = await startPhase(vault, [], APPROLE);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(children).toHaveLength(1);
    expect(vault.calls).toContain('POST auth/token/revoke-self');
  });
});

describe('secret files: a reload instead of a restart when only files changed', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function startWithFiles(vault: ScriptedVault, argv: string[], observer?: Observer) {
    const dir = join(mkdtempSync('/dev/shm/vault-exec-unit-phase-'), 'files');
    made.push(dirname(dir));
    return { ...(await startPhase(vault, argv, USER_TOKEN, observer, dir)), dir };
  }

  /** Advances time a second at a time until the first child got the reload signal. */
  async function untilReloaded(children: Array<{ signals: string[] }>, limitMs: number) {
    for (let waited = 0; !children[0]!.signals.includes('SIGHUP'); waited += 1_000) {
      if (waited > limitMs) throw new Error('no reload');
      await vi.advanceTimersByTimeAsync(1_000);
    }
  }
  const revokes = (vault: ScriptedVault, prefix: string) =>
    vault.calls.filter((call) => call.startsWith(prefix));

  test('a reissued certificate: the child reloads, and the old serial is revoked only --kill-timeout later', async () => {
    const vault = createScriptedVault();
    vault.certificateTtl = 90;
    const { children, phase } = await startWithFiles(vault, [
      '--certificate',
      'tls=pki/web?common_name=app.example',
      '--reload-signal',
      'HUP',
      '--kill-timeout',
      '3s',
    ]);
    await untilReloaded(children, 90_000);
    expect(children).toHaveLength(1);
    // The app may still be re-reading its files, or reconnecting with the old ones.
    expect(revokes(vault, 'PUT pki/revoke')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(revokes(vault, 'PUT pki/revoke')).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(revokes(vault, 'PUT pki/revoke')).toEqual(['PUT pki/revoke serial-1']);
    children[0]!.kill('SIGTERM');
    await phase.exited;
    await phase.close();
  });

  test('a database lease used only through a file: the reload keeps the old lease for --kill-timeout', async () => {
    const vault = createScriptedVault();
    vault.leaseTtl = 60;
    vault.leaseMaxTtl = 60;
    const { children, dir, phase } = await startWithFiles(vault, [
      '--file',
      'db-user=database/creds/app#username',
      '--reload-signal',
      'HUP',
      '--kill-timeout',
      '3s',
    ]);
    const firstUser = readFileSync(join(dir, 'db-user'), 'utf8');
    await untilReloaded(children, 60_000);
    expect(readFileSync(join(dir, 'db-user'), 'utf8')).not.toBe(firstUser);
    expect(revokes(vault, 'PUT sys/leases/revoke')).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(revokes(vault, 'PUT sys/leases/revoke')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(revokes(vault, 'PUT sys/leases/revoke')).toHaveLength(1);
    children[0]!.kill('SIGTERM');
    await phase.exited;
    await phase.close();
  });

  test('a certificate that cannot be reissued before it expires: a restart failure, not ready from then on, exit 75', async () => {
    const vault = createScriptedVault();
    vault.certificateTtl = 30;
    const metrics = createVaultExecMetrics({ version: 'test', method: 'token', wallNow: Date.now });
    const { phase, children, log } = await startWithFiles(
      vault,
      ['--certificate', 'tls=pki/web?common_name=app.example', '--reload-signal', 'HUP'],
      metrics,
    );
    vault.denied.add('pki/issue/web');
    let code: number | undefined;
    void phase.exited.then((value) => (code = value));
    for (let waited = 0; children[0]!.signals.length === 0 && waited <= 31_000; waited += 1_000)
      await vi.advanceTimersByTimeAsync(1_000);
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    expect(metrics.ready()).toBe(false);
    expect(metrics.render()).toMatch(/^vault_exec_restart_failures_total [1-9]/m);
    await vi.advanceTimersByTimeAsync(0);
    expect(code).toBe(75);
    expect(log()).toContain('stopping the child');
  });

  test('with --reload-signal, a change that reaches only files rewrites them and signals the running child', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const { children, dir, log } = await startWithFiles(vault, [
      '--watch',
      '1s',
      '--file',
      'key.txt=secret/app#key',
      '--reload-signal',
      'HUP',
    ]);
    expect(children[0]!.env.VAULT_EXEC_FILES_DIR).toBe(dir);
    vault.writeKv2('app', { key: 'two' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children).toHaveLength(1);
    expect(children[0]!.signals).toEqual(['SIGHUP']);
    expect(readFileSync(join(dir, 'key.txt'), 'utf8')).toBe('two');
    expect(log()).toContain('reloading the child: secret/data/app changed (version 1 → 2); sent SIGHUP');
    // The next change is watched from the new generation on.
    vault.writeKv2('app', { key: 'three' });
    await vi.advanceTimersByTimeAsync(1_500);

    expect(children[0]!.signals).toEqual(['SIGHUP', 'SIGHUP']);
  });

  test('without --reload-signal the child restarts, and finds the new file', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const { children, dir } = await startWithFiles(vault, [
      '--watch',
      '1s',
      '--file',
      'key.txt=secret/app#key',
    ]);
    vault.writeKv2('app', { key: 'two' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children).toHaveLength(2);
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    expect(readFileSync(join(dir, 'key.txt'), 'utf8')).toBe('two');
  });

  test('when an env value changed too, one restart and no signal', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const { children } = await startWithFiles(vault, [
      '--watch',
      '1s',
      '--file',
      'key.txt=secret/app#key',
      '--secret',
      'KEY=secret/app#key',
      '--reload-signal',
      'HUP',
    ]);
    vault.writeKv2('app', { key: 'two' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children.map((child) => child.env.KEY)).toEqual(['one', 'two']);
    expect(children[0]!.signals).toEqual(['SIGTERM']);
  });

  test('a rewrite that fails keeps the old files and child, warns once per attempt, and the next check retries', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const { children, dir, log } = await startWithFiles(vault, [
      '--watch',
      '1s',
      '--file',
      'key.txt=secret/app#key',
      '--reload-signal',
      'HUP',
    ]);
    // The directory is gone: no temporary file can be made.
    rmSync(dir, { recursive: true, force: true });
    vault.writeKv2('app', { key: 'two' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children[0]!.signals).toEqual([]);
    expect(
      log().match(
        /could not prepare the restart \(.*\): cannot write the secret file key\.txt in .*: no such directory; the files and the child were left as they were; the child keeps running, and the next check tries again/g,
      ),
    ).toHaveLength(1);
    mkdirSync(dir);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(children).toHaveLength(1);
    expect(children[0]!.signals).toEqual(['SIGHUP']);
    expect(readFileSync(join(dir, 'key.txt'), 'utf8')).toBe('two');
  });
});

describe('what the metrics are told', () => {
  const metricsOf = (method: string) =>
    createVaultExecMetrics({ version: 'test', method, wallNow: Date.now });
  const value = (metrics: ReturnType<typeof metricsOf>, series: string) =>
    Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics.render())?.[1]);

  test('a re-login with --pass-token: one login more, one restart for the replaced token, ready after the swap', async () => {
    const vault = createScriptedVault();
    vault.tokenTtl = 30;
    vault.tokenMaxTtl = 45;
    const metrics = metricsOf('approle');
    await startPhase(vault, ['--pass-token'], APPROLE, metrics);
    expect(metrics.ready()).toBe(true);
    expect(value(metrics, 'vault_exec_token_expiry_timestamp_seconds')).toBe(30);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(value(metrics, 'vault_exec_logins_total{method="approle",result="success"}')).toBe(2);
    expect(value(metrics, 'vault_exec_child_restarts_total{reason="token-replaced"}')).toBe(1);
    expect(value(metrics, 'vault_exec_child_starts_total')).toBe(2);
    expect(value(metrics, 'vault_exec_token_expiry_timestamp_seconds')).toBeGreaterThan(30);
    expect(metrics.ready()).toBe(true);
  });

  test('a change the child does not use (files configured) is applied with neither restart nor reload, and counted as applied', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one', other: 'x' });
    const metrics = metricsOf('token');
    const dir = mkdtempSync('/dev/shm/vault-exec-unit-applied-');
    try {
      const config = configOf(['--watch', '1s', '--file', 'key.txt=secret/app#key'], USER_TOKEN);
      const log = createLogger({ level: 'error', format: 'text', write: () => {} });
      const { children, spawn } = createFakeChildren(vault.calls);
      const { ledger, login, secrets } = await logInAndRead(vault, config, log, metrics);
      const files = SecretFiles.open({ explicitDir: join(dir, 'files'), env: {}, mode: 0o400, log });
      const first = buildGeneration({
        config,
        inherited: {},
        secrets,
        token: login.session.token,
        log,
        filesDir: join(dir, 'files'),
      });
      files.write(first.files);
      new RunningPhase({
        config,
        client: vault,
        log,
        ledger,
        login,
        first,
        inherited: {},
        terminal: false,
        now: () => Date.now(),
        spawn,
        files,
        observer: metrics,
      });
      vault.writeKv2('app', { key: 'one', other: 'y' });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(children).toHaveLength(1);
      expect(children[0]!.signals).toEqual([]);
      expect(value(metrics, 'vault_exec_secret_changes_total')).toBe(1);
      expect(value(metrics, 'vault_exec_secret_changes_applied_total')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a secret change restart counts as applied', async () => {
    const vault = createScriptedVault();
    vault.writeKv2('app', { key: 'one' });
    const metrics = metricsOf('token');
    await startPhase(vault, ['--watch', '1s', '--secret', 'KEY=secret/app#key'], USER_TOKEN, metrics);
    expect(value(metrics, 'vault_exec_secret_changes_applied_total')).toBe(0);
    vault.writeKv2('app', { key: 'two' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(value(metrics, 'vault_exec_child_restarts_total{reason="secret-changed"}')).toBe(1);
    expect(value(metrics, 'vault_exec_secret_changes_applied_total')).toBe(1);
  });

  test('a lease that cannot be replaced: restart failures, then not ready from the failure on', async () => {
    const vault = createScriptedVault();
    vault.leaseTtl = 30;
    vault.leaseMaxTtl = 30;
    const metrics = metricsOf('token');
    const { phase } = await startPhase(
      vault,
      ['--secret', 'DB_USER=database/creds/app#username'],
      USER_TOKEN,
      metrics,
    );
    expect(value(metrics, 'vault_exec_lease_expiry_timestamp_seconds{path="database/creds/app"}')).toBe(30);
    vault.denied.add('database/creds/app');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(value(metrics, 'vault_exec_restart_failures_total')).toBeGreaterThanOrEqual(1);
    expect(metrics.ready()).toBe(true);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(metrics.ready()).toBe(false);
    await phase.exited;
    expect(value(metrics, 'vault_exec_child_restarts_total{reason="lease-end"}')).toBe(0);
  });
});
