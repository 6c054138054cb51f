// The developer's own login against the real server: the Vault CLI's token helper as a real
// executable script named by ~/.vault, with HOME pointed at a temp dir. The whole lookup order
// (VAULT_TOKEN, the helper, VAULT_CONFIG_PATH, ~/.vault-token, none) is a table in
// test/unit/resolve/own-token.test.ts; local-development.test.ts logs in with `vault login`.
import { afterEach, beforeAll, expect, test } from 'vitest';
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
const tokens = { helper: '', file: '' };

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
function installHelper(body: string): string {
  const helper = project.write('../home/bin/token-helper', `#!/bin/sh\n${body}\n`, 0o755);
  project.write('../home/.vault', `# the Vault CLI's config\ntoken_helper = "${helper}"\n`);
  return helper;
}
const writeTokenFile = (token: string) => project.write('../home/.vault-token', `${token}\n`, 0o600);
const run = () => runCli(args, { env: project.env({ VAULT_ADDR: vault().addr }), cwd: project.repo });

test('the token helper named in ~/.vault is run as `<helper> get`, before ~/.vault-token', async () => {
  project = createDevProject();
  const helper = installHelper(`[ "$1" = get ] || exit 9\necho ${tokens.helper}`);
  writeTokenFile(tokens.file);
  const result = await run();
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain(`with a token from the token helper ${helper} (from ~/.vault)`);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(db.password);
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
