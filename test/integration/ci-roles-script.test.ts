// vault/ci-roles.sh, run as documented (after init.sh) against the real Vault server, then
// vault-exec logging in with each kind of CI identity it set up. GitHub's and GitLab's issuers,
// GitHub's token service and the Kubernetes TokenReview API cannot be reached from here, so local
// stand-ins play them (see each stand-in's file); the JWTs are signed by the test's key pair.
// The tests run in order: the first runs the script, the others log in with what it set up.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, secretValue } from '../support/app-role';
import { startGitHubTokenStandIn, type GitHubTokenStandIn } from '../support/github-token-stand-in';
import { createJwtIssuer } from '../support/jwt-issuer';
import { rememberSecret } from '../support/leak-scan';
import { startOidcDiscoveryStandIn, type OidcDiscoveryStandIn } from '../support/oidc-discovery-stand-in';
import { bundlePath, fixture, killAllStarted, runCli } from '../support/processes';
import { startTokenReviewStandIn, type TokenReviewStandIn } from '../support/token-review-stand-in';
import { vaultBinaryPath } from '../support/vault-binary';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const repoRoot = dirname(dirname(bundlePath));
const keys = createJwtIssuer();
const requestToken = rememberSecret('runner-request-token-c1a0b2d3e4');
const ROLE = 'saas-project-dev-ci';
const checkout = { namespace: 'shop', name: 'checkout', uid: '8d7c6b5a-4f3e-4d2c-9b1a-0e9f8d7c6b5a' };
const password = secretValue('ci-roles-password');
let work: string;
let issuerStandIn: OidcDiscoveryStandIn;
let githubStandIn: GitHubTokenStandIn;
let reviewStandIn: TokenReviewStandIn;
let branch = 'refs/heads/main';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vault-exec-ci-roles-'));
  issuerStandIn = await startOidcDiscoveryStandIn(keys);
  githubStandIn = await startGitHubTokenStandIn({
    requestToken,
    signFor: (audience) =>
      keys.sign({
        iss: issuerStandIn.issuer,
        aud: audience,
        sub: `repo:acme/app:ref:${branch}`,
        repository: 'acme/app',
        ref: branch,
      }),
  });
  reviewStandIn = await startTokenReviewStandIn();
  await vault().admin.writeKv2('saas-project/dev/database', { password });
  const init = await script('vault/init.sh', { OUT_DIR: join(work, 'approle') });
  expect(init.code, init.stderr).toBe(0);
});
afterAll(async () => {
  await Promise.all([issuerStandIn.close(), githubStandIn.close(), reviewStandIn.close()]);
});
afterEach(() => killAllStarted());

/** Runs a vault/ script with the vault CLI on PATH and an operator token, as an operator would. */
async function script(path: string, env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)('/bin/sh', [path], {
      cwd: repoRoot,
      env: {
        PATH: `${dirname(vaultBinaryPath())}:/usr/local/bin:/usr/bin:/bin`,
        HOME: work,
        VAULT_ADDR: vault().addr,
        VAULT_TOKEN: vault().rootToken,
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? null, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

function ciRoles() {
  const caFile = join(work, 'k8s-ca.pem');
  writeFileSync(caFile, reviewStandIn.caPem);
  return script('vault/ci-roles.sh', {
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_OIDC_URL: issuerStandIn.issuer,
    GITLAB_PROJECT_PATH: 'acme/app',
    GITLAB_URL: issuerStandIn.issuer,
    K8S_NAMESPACE: checkout.namespace,
    K8S_SERVICE_ACCOUNT: checkout.name,
    K8S_HOST: reviewStandIn.url,
    K8S_CA_CERT: caFile,
  });
}

const printDatabase = [
  '--secrets',
  'DB_=secret/saas-project/dev/database',
  '--',
  'node',
  fixture('print-env.mjs'),
];

test('sets up GitHub, GitLab and Kubernetes logins, and converges when run again', async () => {
  const first = await ciRoles();
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toContain(`role ${ROLE} at auth/jwt: acme/app on refs/heads/main, audience sigstore`);
  expect(first.stderr).toContain(`role ${ROLE} at auth/kubernetes: service account shop/checkout`);
  const again = await ciRoles();
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr).toContain('jwt auth already enabled at jwt/');
});

test('a GitHub Actions job of the bound repository and branch logs in with its OIDC token', async () => {
  const result = await runCli(['--auth', 'jwt', '--role', ROLE, ...printDatabase], {
    env: cliEnv(vault(), undefined, {
      ACTIONS_ID_TOKEN_REQUEST_URL: githubStandIn.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }),
  });
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(password);
});

test('a job on another branch is refused with exit 77 and the bound_claims hint', async () => {
  branch = 'refs/heads/feature';
  try {
    const result = await runCli(['--auth', 'jwt', '--role', ROLE, '--', 'true'], {
      env: cliEnv(vault(), undefined, {
        ACTIONS_ID_TOKEN_REQUEST_URL: githubStandIn.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
      }),
    });
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(/claim "ref" does not match.*bound_claims/);
  } finally {
    branch = 'refs/heads/main';
  }
});

test('a GitLab job logs in with its id_tokens JWT at the gitlab mount', async () => {
  const jwt = keys.sign({
    iss: issuerStandIn.issuer,
    aud: vault().addr,
    sub: 'project_path:acme/app:ref_type:branch:ref:main',
    project_path: 'acme/app',
    ref: 'main',
    ref_type: 'branch',
    user_login: 'dev',
  });
  const result = await runCli(['--auth', 'jwt', '--auth-mount', 'gitlab', '--role', ROLE, ...printDatabase], {
    env: cliEnv(vault(), undefined, { VAULT_EXEC_JWT: jwt }),
  });
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(password);
});

test('a pod of the bound service account logs in with its token', async () => {
  const token = keys.sign({
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${checkout.namespace}:${checkout.name}`,
    'kubernetes.io': {
      namespace: checkout.namespace,
      serviceaccount: { name: checkout.name, uid: checkout.uid },
    },
  });
  reviewStandIn.accept(token, checkout);
  const file = join(work, 'sa-token');
  writeFileSync(file, token);
  const result = await runCli(
    ['--auth', 'kubernetes', '--role', ROLE, '--jwt-file', file, ...printDatabase],
    {
      env: cliEnv(vault(), undefined),
    },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(password);
});
