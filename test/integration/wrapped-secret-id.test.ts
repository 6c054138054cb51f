// A response-wrapped secret_id: vault-exec checks where the wrapping token was created, unwraps it
// once, and treats a token that is already spent as a sign of interception.
import { afterEach, beforeAll, expect, test } from 'vitest';
import { startFaultProxy } from '../support/fault-proxy';
import { cliEnv, provisionApp, type AppCredentials } from '../support/app-role';
import { rememberSecret } from '../support/leak-scan';
import { fixture, killAllStarted, runCli } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
let app: AppCredentials;
beforeAll(async () => {
  app = await provisionApp(vault());
});
afterEach(() => killAllStarted());

async function wrappedSecretId(): Promise<string> {
  const { wrappingToken } = await vault().admin.createSecretId(app.role, { wrapTtl: '60s' });
  return rememberSecret(wrappingToken!);
}

const run = (wrappingToken: string, args: string[] = ['--secret-id-wrapped']) =>
  runCli([...args, '--', 'node', fixture('exit-with.mjs'), '0'], {
    env: cliEnv(vault(), { ...app, secretId: wrappingToken }),
  });

test('unwraps a wrapped secret_id after checking its creation path, then runs the child', async () => {
  const result = await run(await wrappedSecretId());
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain(
    `unwrapped the secret_id (created by auth/approle/role/${app.role}/secret-id)`,
  );
});

test('exits 77 and warns of interception when the wrapping token was already unwrapped', async () => {
  const token = await wrappedSecretId();
  expect((await run(token)).code).toBe(0);
  const second = await run(token);
  expect(second.code).toBe(77);
  expect(second.stderr).toMatch(
    /the wrapped secret_id was rejected by .*already unwrapped; if vault-exec did not unwrap it before, someone else may have/,
  );
});

test('refuses, without using it up, a wrapping token that does not wrap a secret_id of this mount', async () => {
  const wrapped = await vault().admin.request(
    'POST',
    'sys/wrapping/wrap',
    { secret_id: 'not-from-approle' },
    undefined,
    { 'X-Vault-Wrap-TTL': '60s' },
  );
  const token = rememberSecret(wrapped.body.wrap_info.token as string);
  const result = await run(token);
  expect(result.code).toBe(77);
  expect(result.stderr).toContain(
    'refusing to unwrap the wrapped secret_id: it was created by "sys/wrapping/wrap", not auth/approle/role/<role>/secret-id',
  );
  const lookup = await vault().admin.request('POST', 'sys/wrapping/lookup', { token }, '');
  expect(lookup.status).toBe(200);
});

test('without --secret-id-wrapped, a wrapping token given as the secret_id gets a hint', async () => {
  const result = await run(await wrappedSecretId(), []);
  expect(result.code).toBe(77);
  expect(result.stderr).toContain(
    'the secret_id looks like a response-wrapping token: add --secret-id-wrapped to unwrap it',
  );
});

test('a lost unwrap answer is not retried and says the first attempt may have succeeded', async () => {
  const token = await wrappedSecretId();
  // Vault unwraps the token, and the fault proxy cuts its answer halfway: the secret_id is lost.
  const proxy = await startFaultProxy({
    upstreamPort: Number(new URL(vault().addr).port),
    mode: { kind: 'cut-mid-response', paths: /^\/v1\/sys\/wrapping\/unwrap$/ },
  });
  try {
    const result = await runCli(['--secret-id-wrapped', '--', 'node', fixture('exit-with.mjs'), '0'], {
      env: cliEnv(vault(), { ...app, secretId: token }, { VAULT_ADDR: proxy.url }),
    });
    expect(result.code, result.stderr).toBe(69);
    expect(result.stderr).toContain(
      'this attempt may have succeeded and used the wrapped secret_id up (not retried)',
    );
    expect(result.stderr).not.toContain('someone else may have');
    expect(proxy.requests().filter((request) => request.path === '/v1/sys/wrapping/unwrap')).toHaveLength(1);
  } finally {
    await proxy.close();
  }
  const lookup = await vault().admin.request('POST', 'sys/wrapping/lookup', { token }, '');
  expect(lookup.status).toBe(400);
});
