// --auth aws against the real Vault server's aws auth method (iam type). AWS itself cannot run here,
// so Vault's sts_endpoint and iam_endpoint point at a local stand-in for STS, the ECS container
// credentials endpoint and EC2 instance metadata (test/support/aws-stand-in.ts). The stand-in
// VERIFIES each GetCallerIdentity signature with the secret key it issued and answers in STS's XML,
// as STS would; vault-exec reaches it through the SDKs' own overrides (AWS_ENDPOINT_URL_STS,
// AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_EC2_METADATA_SERVICE_ENDPOINT), so nothing here ever
// contacts AWS or 169.254.169.254. Most roles use resolve_aws_unique_ids=false; the one that pins
// its ARN to the role's unique id makes Vault call IAM's GetRole at the stand-in (iam_endpoint),
// signed with Vault's own keys, which the stand-in verifies too.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { REFRESH_MARGIN_MS } from '../../src/aws/credentials';
import { childEnvFrom, cliEnv, secretValue } from '../support/app-role';
import { ACCOUNT, startAwsStandIn, type AwsKeys, type AwsStandIn } from '../support/aws-stand-in';
import { provisionCiSecret, writeRole, type CiSecret } from '../support/ci-auth-setup';
import { fixture, isPidAlive, killAllStarted, runCli, startCli, waitFor } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

// Vault's own AWS SDK must not go looking for instance metadata either.
const vault = useVaultServer({ env: { AWS_EC2_METADATA_DISABLED: 'true' } });
let aws: AwsStandIn;
/** STS of eu-west-1 only, for the regional login. */
let awsEu: AwsStandIn;
let vaultKeys: AwsKeys;
let secret: CiSecret;
const SERVER_ID = 'vault.shop.test';
const userArn = `arn:aws:iam::${ACCOUNT}:user/deployer`;
const podRoleArn = `arn:aws:iam::${ACCOUNT}:role/checkout-pod`;

beforeAll(async () => {
  secret = await provisionCiSecret(vault());
  aws = await startAwsStandIn();
  awsEu = await startAwsStandIn({ region: 'eu-west-1' });
  vaultKeys = aws.issueKeys(`arn:aws:iam::${ACCOUNT}:user/vault-server`);
  const must = async (path: string, body: unknown) => {
    const response = await vault().admin.request('POST', path, body);
    if (response.status >= 300)
      throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  };
  for (const [mount, sts, extra] of [
    ['aws', aws, {}],
    ['aws-bound', aws, { iam_server_id_header_value: SERVER_ID }],
    ['aws-eu', awsEu, { sts_region: 'eu-west-1' }],
  ] as const) {
    await must(`sys/auth/${mount}`, { type: 'aws' });
    await must(`auth/${mount}/config/client`, {
      sts_endpoint: sts.url,
      sts_region: 'us-east-1',
      iam_endpoint: sts.url,
      access_key: vaultKeys.accessKeyId,
      secret_key: vaultKeys.secretAccessKey,
      ...extra,
    });
  }
  const role = (arns: string[], extra: Record<string, unknown> = {}) => ({
    auth_type: 'iam',
    bound_iam_principal_arn: arns,
    resolve_aws_unique_ids: false,
    token_policies: [secret.policy],
    token_ttl: '1m',
    ...extra,
  });
  const everyone = [userArn, podRoleArn, aws.container.roleArn, aws.instanceRole.arn];
  await writeRole(vault(), 'auth/aws/role/checkout', role(everyone));
  await writeRole(vault(), 'auth/aws/role/other-team', role([`arn:aws:iam::${ACCOUNT}:role/other-team`]));
  await writeRole(
    vault(),
    'auth/aws/role/checkout-short',
    role(everyone, { token_ttl: '2s', token_max_ttl: '3s' }),
  );
  await writeRole(vault(), 'auth/aws-bound/role/checkout', role(everyone));
  await writeRole(vault(), 'auth/aws-eu/role/checkout', role(everyone));
  // Vault's default: the ARN is resolved to the role's unique id (IAM GetRole) when the role is written.
  await writeRole(
    vault(),
    'auth/aws/role/checkout-pinned',
    role([aws.container.roleArn], { resolve_aws_unique_ids: true }),
  );
});
afterAll(async () => {
  await aws.close();
  await awsEu.close();
});
afterEach(() => killAllStarted());

/** No AWS variable from the machine, and instance metadata pointed at the stand-in, never 169.254.169.254. */
function awsEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cliEnv(vault(), undefined);
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  return { ...env, AWS_EC2_METADATA_SERVICE_ENDPOINT: aws.url, ...extra };
}

const keyEnv = (keys: AwsKeys): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
});

/** A loopback port nothing listens on: instance metadata off EC2. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function privateFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vault-exec-aws-')), name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

async function loginAndRead(role: string, env: NodeJS.ProcessEnv, extraArgs: string[] = []) {
  return runCli(
    [
      '--auth',
      'aws',
      '--role',
      role,
      ...extraArgs,
      '--secret',
      `DB_PASSWORD=${secret.path}#password`,
      '--',
      'node',
      fixture('print-env.mjs'),
    ],
    { env },
  );
}

test('logs in with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and names the source, never the key', async () => {
  const keys = aws.issueKeys(userArn);
  const result = await loginAndRead('checkout', awsEnv(keyEnv(keys)));
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(secret.password);
  expect(result.stderr).toMatch(
    /logged in to .* with AWS IAM role "checkout" \(auth\/aws, credentials from AWS_ACCESS_KEY_ID, signed for sts\.amazonaws\.com\)/,
  );
  // Vault replays the signed request twice per login (an alias lookahead, then the login itself).
  const calls = aws.calls().filter((call) => call.accessKeyId === keys.accessKeyId);
  expect(calls.length).toBeGreaterThan(0);
  expect(calls.every((call) => call.action === 'GetCallerIdentity' && call.outcome === 'ok')).toBe(true);
});

test('logs in with an EKS web identity token file and AWS_ROLE_ARN, through sts:AssumeRoleWithWebIdentity', async () => {
  const token = secretValue('eks-projected-token');
  aws.acceptWebIdentity(token, podRoleArn);
  const result = await loginAndRead(
    'checkout',
    awsEnv({
      AWS_WEB_IDENTITY_TOKEN_FILE: privateFile('token', token),
      AWS_ROLE_ARN: podRoleArn,
      AWS_ENDPOINT_URL_STS: aws.url,
    }),
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(secret.password);
  expect(result.stderr).toMatch(
    /credentials from the web identity token AWS_WEB_IDENTITY_TOKEN_FILE .* for AWS_ROLE_ARN/,
  );
});

test('logs in with the ECS container credentials endpoint and its authorization token file', async () => {
  const result = await loginAndRead(
    'checkout',
    awsEnv({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${aws.url}${aws.container.path}`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: privateFile('ecs-token', aws.container.token),
    }),
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(secret.password);
  expect(result.stderr).toMatch(
    /credentials from the container credentials endpoint AWS_CONTAINER_CREDENTIALS_FULL_URI/,
  );
});

test('logs in with EC2 instance metadata (IMDSv2) at AWS_EC2_METADATA_SERVICE_ENDPOINT', async () => {
  const result = await loginAndRead('checkout', awsEnv({}));
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(secret.password);
  expect(result.stderr).toContain(`credentials from EC2 instance metadata (IMDSv2) at ${aws.url}`);
});

test("logs in to a role pinned to the IAM role's unique id, which Vault resolved through IAM", async () => {
  expect(aws.calls()).toContainEqual({
    action: 'GetRole',
    accessKeyId: vaultKeys.accessKeyId,
    outcome: 'ok',
  });
  const result = await loginAndRead(
    'checkout-pinned',
    awsEnv({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${aws.url}${aws.container.path}`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: aws.container.token,
    }),
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(secret.password);
});

test('an identity the role does not bind exits 77 and names bound_iam_principal_arn', async () => {
  const result = await loginAndRead('other-team', awsEnv(keyEnv(aws.issueKeys(userArn))));
  expect(result.code, result.stderr).toBe(77);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /^vault-exec: AWS login as role "other-team" rejected by .*: IAM Principal .* does not belong to the role .*; .*bound_iam_principal_arn of auth\/aws\/role\/other-team/,
  );
});

test('a wrong --aws-header-value exits 77 and names iam_server_id_header_value; the right one logs in', async () => {
  const env = awsEnv(keyEnv(aws.issueKeys(userArn)));
  const wrong = await loginAndRead('checkout', env, [
    '--auth-mount',
    'aws-bound',
    '--aws-header-value',
    'other.test',
  ]);
  expect(wrong.code, wrong.stderr).toBe(77);
  expect(wrong.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /X-Vault-AWS-IAM-Server-ID.*; --aws-header-value must equal iam_server_id_header_value in auth\/aws-bound\/config\/client$/,
  );
  const right = await loginAndRead('checkout', env, [
    '--auth-mount',
    'aws-bound',
    '--aws-header-value',
    SERVER_ID,
  ]);
  expect(right.code, right.stderr).toBe(0);
});

test("signs for AWS_REGION's STS, which a Vault configured with that sts_endpoint and sts_region accepts", async () => {
  const keys = awsEu.issueKeys(userArn);
  const result = await loginAndRead('checkout', awsEnv({ ...keyEnv(keys), AWS_REGION: 'eu-west-1' }), [
    '--auth-mount',
    'aws-eu',
  ]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/signed for sts\.eu-west-1\.amazonaws\.com\)/);
  expect(awsEu.calls()).toContainEqual({
    action: 'GetCallerIdentity',
    accessKeyId: keys.accessKeyId,
    outcome: 'ok',
  });
});

test('a web identity token STS does not accept for AWS_ROLE_ARN exits 77 and names the trust policy', async () => {
  const result = await loginAndRead(
    'checkout',
    awsEnv({
      AWS_WEB_IDENTITY_TOKEN_FILE: privateFile('token', secretValue('unknown-token')),
      AWS_ROLE_ARN: podRoleArn,
      AWS_ENDPOINT_URL_STS: aws.url,
    }),
  );
  expect(result.code, result.stderr).toBe(77);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /^vault-exec: sts:AssumeRoleWithWebIdentity at 127\.0\.0\.1:\d+ refused the web identity token for AWS_ROLE_ARN arn:aws:iam::\d+:role\/checkout-pod: AccessDenied .*; check the IAM role's trust policy/,
  );
});

test('a request signed for another region than Vault replays it to exits 77 and names sts_region', async () => {
  const result = await loginAndRead('checkout', awsEnv(keyEnv(aws.issueKeys(userArn))), [
    '--aws-region',
    'eu-west-1',
  ]);
  expect(result.code, result.stderr).toBe(77);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /SignatureDoesNotMatch.*; vault-exec signed for https:\/\/sts\.eu-west-1\.amazonaws\.com\/ in region eu-west-1: sts_endpoint and sts_region in auth\/aws\/config\/client must be the same/,
  );
});

test('expired temporary credentials exit 77 and say so', async () => {
  const keys = aws.issueKeys(`arn:aws:sts::${ACCOUNT}:assumed-role/checkout-pod/old`, {
    temporary: true,
    expiresAt: new Date(Date.now() - 60_000),
  });
  const result = await loginAndRead('checkout', awsEnv(keyEnv(keys)));
  expect(result.code, result.stderr).toBe(77);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
    /^vault-exec: AWS login as role "checkout" rejected by .*ExpiredToken.*; the temporary credentials from AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN have expired/,
  );
});

test('no credential source exits 64 and names what was looked for, in order', async () => {
  const nobody = `http://127.0.0.1:${await closedPort()}`;
  const result = await runCli(['--auth', 'aws', '--role', 'checkout', '--', 'true'], {
    env: awsEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: nobody }),
  });
  expect(result.code, result.stderr).toBe(64);
  expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
    `vault-exec: no AWS credentials: looked for AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY, then AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, then AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI, then EC2 instance metadata at ${nobody}, which did not answer (request failed (ECONNREFUSED))`,
  );
});

test('refreshes temporary credentials before they expire, so each re-login at the max TTL signs with fresh ones', async () => {
  // Credentials that enter the refresh margin a second after they are handed out: every re-login
  // (the role's max TTL is 3 s) must fetch new ones first.
  aws.setTemporaryLifetime(REFRESH_MARGIN_MS + 1_000);
  const before = aws.calls().length;
  const running = startCli(
    ['--auth', 'aws', '--role', 'checkout-short', '--', 'node', fixture('ready-then-wait.mjs')],
    {
      env: awsEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${aws.url}${aws.container.path}`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: aws.container.token,
      }),
    },
  );
  try {
    const pid = Number((await running.waitForOutput(/PID (\d+)/)).match(/PID (\d+)/)![1]);
    await waitFor(() => (running.stderr().match(/replaced the token before it expired/g) ?? []).length >= 2, {
      timeoutMs: 20_000,
      message: `fewer than 2 re-logins:\n${running.stderr()}`,
    });
    expect(isPidAlive(pid)).toBe(true);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  } finally {
    aws.setTemporaryLifetime(60 * 60_000);
  }
  const calls = aws.calls().slice(before);
  const fetched = calls
    .filter((call) => call.action === 'ContainerCredentials')
    .map((call) => call.accessKeyId);
  // In login order; Vault replays each signed request twice (an alias lookahead, then the login).
  const signedWith = [
    ...new Set(calls.filter((call) => call.action === 'GetCallerIdentity').map((call) => call.accessKeyId)),
  ];
  // The first login and at least two re-logins, each with credentials fetched for it.
  expect(signedWith.length).toBeGreaterThanOrEqual(3);
  expect(signedWith).toEqual(fetched.slice(0, signedWith.length));
  expect(calls.every((call) => call.outcome === 'ok')).toBe(true);
  expect(running.stderr()).toMatch(/refreshed AWS credentials from the container credentials endpoint/);
});
