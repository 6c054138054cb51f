// The GitHub Action run as the runner runs it: `node action/index.cjs` in the workspace, with the
// inputs as INPUT_* variables and GITHUB_ENV / GITHUB_OUTPUT pointing at files. No runner can run
// here, so the test stands in for it: it sets those variables, then reads the files with the runner's
// rules (test/support/env-file-readers.ts) and starts a "later step" with what it exported.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, secretValue, type AppCredentials } from '../support/app-role';
import { TEST_ISSUER, enableJwtAuth, writeRole } from '../support/ci-auth-setup';
import { startGitHubTokenStandIn, type GitHubTokenStandIn } from '../support/github-token-stand-in';
import { createJwtIssuer } from '../support/jwt-issuer';
import { rememberSecret } from '../support/leak-scan';
import { readAddMaskCommands, readGithubEnvFile } from '../support/env-file-readers';
import { killAllStarted, runNode } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(root, 'action', 'index.cjs');
const vault = useVaultServer();
let app: AppCredentials;
const password = secretValue('action-db');
const certificate = `-----BEGIN CERT-----\n${secretValue('cert-body')}\n-----END CERT-----`;
// The runner's OIDC token service cannot run here: a local stand-in answers as it does, with JWTs
// signed by the test's key pair, which the real Vault server's jwt auth method trusts.
const issuer = createJwtIssuer();
const requestToken = rememberSecret('runner-request-token-7c1e04b9aa');
let tokenService: GitHubTokenStandIn;
beforeAll(async () => {
  await vault().admin.writeKv2('action/db', { password, certificate });
  app = await provisionApp(vault(), { readPaths: ['secret/data/action/*'] });
  await enableJwtAuth(vault(), issuer);
  await writeRole(vault(), 'auth/jwt/role/deploy-ci', {
    role_type: 'jwt',
    bound_audiences: ['https://vault.acme.test'],
    bound_claims: { repository: 'acme/app' },
    user_claim: 'repository',
    token_policies: [app.role],
    token_ttl: '1m',
  });
  tokenService = await startGitHubTokenStandIn({
    requestToken,
    signFor: (audience) =>
      issuer.sign({
        iss: TEST_ISSUER,
        aud: audience,
        sub: 'repo:acme/app:ref:refs/heads/main',
        repository: 'acme/app',
      }),
  });
});
afterAll(() => tokenService.close());
afterEach(() => killAllStarted());

/** What the runner gives a step: its files, the inputs, no Vault variables of the developer's. */
function runnerStep(inputs: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-runner-'));
  const files = { GITHUB_ENV: join(dir, 'env'), GITHUB_OUTPUT: join(dir, 'output') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env = cliEnv(vault(), undefined, { ...files, GITHUB_ACTIONS: 'true' });
  delete env.VAULT_ADDR;
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { env, files };
}

const SECRETS_INPUT = 'DB_PASSWORD=secret/action/db#password\nTLS_CERT=secret/action/db#certificate\n';

test('with AppRole, exports the secrets to later steps and masks every value line first', async () => {
  const { env, files } = runnerStep({
    url: vault().addr,
    'role-id': app.roleId,
    'secret-id': app.secretId,
    secrets: SECRETS_INPUT,
    'export-env': 'true',
  });
  // The checked-out project's own file maps more, for development; the step must not take it.
  const workspace = mkdtempSync(join(tmpdir(), 'workspace-'));
  writeFileSync(join(workspace, 'vault-exec.yaml'), 'secret:\n  - DEV_ONLY=secret/dev/only#value\n');
  const step = await runNode([entry], { env, cwd: workspace });
  expect(step.code, step.stderr).toBe(0);
  const exported = readGithubEnvFile(readFileSync(files.GITHUB_ENV, 'utf8'));
  expect(Object.fromEntries(exported)).toEqual({ DB_PASSWORD: password, TLS_CERT: certificate });
  const masks = readAddMaskCommands(step.stdout);
  for (const line of [password, ...certificate.split('\n')]) expect(masks).toContain(line);
  expect(step.stderr).not.toContain(password);

  // A later step gets them as environment variables.
  const later = await runNode(['-e', 'process.stdout.write(process.env.TLS_CERT)'], {
    env: { ...process.env, ...Object.fromEntries(exported) },
  });
  expect(later.stdout).toBe(certificate);
});

test('with GitHub OIDC (method jwt), logs in with the job token, no Vault credential stored', async () => {
  const { env, files } = runnerStep({
    url: vault().addr,
    method: 'jwt',
    role: 'deploy-ci',
    'jwt-audience': 'https://vault.acme.test',
    secrets: SECRETS_INPUT,
  });
  Object.assign(env, {
    ACTIONS_ID_TOKEN_REQUEST_URL: tokenService.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
  });
  const step = await runNode([entry], { env });
  expect(step.code, step.stderr).toBe(0);
  expect(tokenService.audiences.at(-1)).toBe('https://vault.acme.test');
  expect(readGithubEnvFile(readFileSync(files.GITHUB_ENV, 'utf8')).get('DB_PASSWORD')).toBe(password);
  expect(step.stdout + step.stderr).not.toContain(requestToken);
});

test('with a token and export-env false, sets step outputs instead of environment variables', async () => {
  const { env, files } = runnerStep({
    url: vault().addr,
    method: 'token',
    token: vault().rootToken,
    secrets: 'DB_PASSWORD=secret/action/db#password',
    'export-env': 'false',
  });
  const step = await runNode([entry], { env });
  expect(step.code, step.stderr).toBe(0);
  expect(readFileSync(files.GITHUB_ENV, 'utf8')).toBe('');
  expect(readGithubEnvFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')).get('DB_PASSWORD')).toBe(password);
});

test('a rejected login fails the step with vault-exec exit code and an ::error:: annotation', async () => {
  const { env, files } = runnerStep({
    url: vault().addr,
    'role-id': app.roleId,
    'secret-id': 'not-the-secret-id',
    secrets: SECRETS_INPUT,
  });
  const step = await runNode([entry], { env });
  expect(step.code).toBe(77);
  expect(step.stdout).toMatch(/^::error title=vault-exec::vault-exec env failed with exit code 77/m);
  expect(readFileSync(files.GITHUB_ENV, 'utf8')).toBe('');
});

test('a ref without the built bundle fails with one line that says to use a release tag', async () => {
  const checkout = mkdtempSync(join(tmpdir(), 'vault-exec-ref-'));
  mkdirSync(join(checkout, 'action'));
  copyFileSync(entry, join(checkout, 'action', 'index.cjs'));
  const step = await runNode([join(checkout, 'action', 'index.cjs')], { env: runnerStep({}).env });
  expect(step.code).toBe(1);
  expect(step.stdout).toMatch(/^::error title=vault-exec::this ref of vault-exec has no built action/);
});
