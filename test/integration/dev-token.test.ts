// The developer's own login: VAULT_TOKEN, then the Vault CLI's token helper (a real executable script
// named by ~/.vault or VAULT_CONFIG_PATH), then ~/.vault-token, with HOME pointed at a temp dir.
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { childEnvFrom, secretValue } from '../support/app-role';
import { createDevProject, createDeveloperToken, type DevProject } from '../support/dev-project';
import { rememberSecret } from '../support/leak-scan';
import { fixture, killAllStarted, runCli, startCli } from '../support/processes';
import { appPolicy } from '../support/vault-admin';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const db = { password: secretValue('db-password') };
const args = [
  'run',
  '--secret',
  'DB_PASSWORD=secret/dev/db#password',
  '--',
  'node',
  fixture('print-env.mjs'),
];
let project: DevProject;
const tokens = { env: '', helper: '', file: '' };

beforeAll(async () => {
  const { admin } = vault();
  await admin.writeKv2('dev/db', db);
  await admin.writePolicy('developer', appPolicy(['secret/data/dev/*']));
  for (const source of Object.keys(tokens) as Array<keyof typeof tokens>)
    tokens[source] = rememberSecret(await createDeveloperToken(admin, 'developer'));
});
afterEach(() => {
  killAllStarted();
  project?.remove();
});

/** A token helper as the Vault CLI runs it: `<helper> get` prints the token on stdout. */
function installHelper(body: string, configName = '.vault'): string {
  const helper = project.write('../home/bin/token-helper', `#!/bin/sh\n${body}\n`, 0o755);
  project.write(`../home/${configName}`, `# the Vault CLI's config\ntoken_helper = "${helper}"\n`);
  return helper;
}
const writeTokenFile = (token: string) => project.write('../home/.vault-token', `${token}\n`, 0o600);
const run = (extra: Record<string, string> = {}) =>
  runCli(args, { env: project.env({ VAULT_ADDR: vault().addr, ...extra }), cwd: project.repo });

describe('where the token comes from, in order', () => {
  test('VAULT_TOKEN first, even with a token helper and ~/.vault-token', async () => {
    project = createDevProject();
    installHelper(`echo ${tokens.helper}`);
    writeTokenFile(tokens.file);
    const result = await run({ VAULT_TOKEN: tokens.env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('with a token from VAULT_TOKEN');
    expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(db.password);
  });

  test('then the token helper named in ~/.vault, run as `<helper> get`, before ~/.vault-token', async () => {
    project = createDevProject();
    const helper = installHelper(`[ "$1" = get ] || exit 9\necho ${tokens.helper}`);
    writeTokenFile(tokens.file);
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`with a token from the token helper ${helper} (from ~/.vault)`);
    expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(db.password);
  });

  test('VAULT_CONFIG_PATH names another config file', async () => {
    project = createDevProject();
    const helper = installHelper(`echo ${tokens.helper}`, 'vault-config.hcl');
    const config = join(project.home, 'vault-config.hcl');
    const result = await run({ VAULT_CONFIG_PATH: config });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`with a token from the token helper ${helper} (from ${config})`);
  });

  test('a helper that has no token stored lets ~/.vault-token answer', async () => {
    project = createDevProject();
    installHelper('exit 0');
    writeTokenFile(tokens.file);
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('with a token from ~/.vault-token');
  });

  test('~/.vault-token last, as `vault login` leaves it', async () => {
    project = createDevProject();
    writeTokenFile(tokens.file);
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('with a token from ~/.vault-token');
    expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(db.password);
  });
});

test('a failing token helper stops the start with one line naming it and its exit status', async () => {
  project = createDevProject();
  const helper = installHelper('echo "error: not logged in" >&2\nexit 3');
  writeTokenFile(tokens.file);
  const result = await run();
  expect(result.code).toBe(64);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toEqual([
    `vault-exec: the Vault token helper ${helper} (token_helper in ~/.vault) failed (exit 3: error: not logged in); run "${helper} get" to see why, or fix token_helper`,
  ]);
});

test('with no login at all, the one line says to run vault login', async () => {
  project = createDevProject();
  const result = await run();
  expect(result.code).toBe(64);
  expect(result.stderr).toMatch(/^vault-exec: no Vault credentials: .*log in with `vault login`/);
});

test('a token that expires during the session stops the child with 75 and says to run vault login again', async () => {
  project = createDevProject();
  const shortLived = rememberSecret(
    await createDeveloperToken(vault().admin, 'developer', { ttl: '3s', renewable: false }),
  );
  writeTokenFile(shortLived);
  const running = startCli(['run', '--', 'node', fixture('print-env.mjs'), '--wait'], {
    env: project.env({ VAULT_ADDR: vault().addr }),
    cwd: project.repo,
  });
  await running.waitForOutput('READY');
  const exit = await running.exited;
  expect(exit.code, exit.stderr).toBe(75);
  expect(exit.stderr).toMatch(
    /\nvault-exec: the token expired .*\(it came from ~\/\.vault-token, .*\): run `vault login` again, then restart; stopping the child\n/,
  );
});
