// vault/platform-roles.sh, run as documented (after init.sh) against the real Vault server over TLS,
// then vault-exec logging in with each identity it set up: an ECS task role (--auth aws) and a
// client certificate (--auth cert). AWS cannot be reached from here, so the aws method's
// sts_endpoint is a local stand-in that verifies each signature (test/support/aws-stand-in.ts);
// the CA and certificates are made by the test (test/support/tls.ts).
// The tests run in order: the first runs the script, the others log in with what it set up.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, secretValue } from '../support/app-role';
import { ACCOUNT, startAwsStandIn, type AwsKeys, type AwsStandIn } from '../support/aws-stand-in';
import { bundlePath, fixture, killAllStarted, runCli } from '../support/processes';
import { requestAsRoot, startTlsVaultServer, type TlsVaultServer } from '../support/tls';
import { vaultBinaryPath } from '../support/vault-binary';

const repoRoot = dirname(dirname(bundlePath));
const ROLE = 'saas-project-dev';
const SERVER_ID = 'vault.shop.test';
const password = secretValue('platform-roles-password');
let vault: TlsVaultServer;
let aws: AwsStandIn;
let vaultKeys: AwsKeys;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vault-exec-platform-roles-'));
  aws = await startAwsStandIn();
  // Vault's own AWS identity, from its environment as from an instance profile: it asks IAM (the
  // stand-in, iam_endpoint) for the bound role's unique id when the script writes the role.
  vaultKeys = aws.issueKeys(`arn:aws:iam::${ACCOUNT}:user/vault-server`);
  vault = await startTlsVaultServer({
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: vaultKeys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: vaultKeys.secretAccessKey,
    },
  });
  await requestAsRoot(vault, 'POST', 'secret/data/saas-project/dev/database', { data: { password } });
  const init = await script('vault/init.sh', { OUT_DIR: join(work, 'approle') });
  expect(init.code, init.stderr).toBe(0);
});
afterAll(async () => {
  await aws?.close();
  await vault?.stop();
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
        VAULT_ADDR: vault.addr,
        VAULT_CACERT: vault.files.devCa,
        VAULT_TOKEN: vault.rootToken,
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? null, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

const platformRoles = () =>
  script('vault/platform-roles.sh', {
    AWS_BOUND_ARNS: aws.container.roleArn,
    AWS_STS_REGION: 'us-east-1',
    AWS_STS_ENDPOINT: aws.url,
    AWS_HEADER_VALUE: SERVER_ID,
    AWS_IAM_ENDPOINT: aws.url,
    CERT_CA_FILE: vault.files.clientCa,
  });

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = cliEnv({ addr: vault.addr } as Parameters<typeof cliEnv>[0], undefined);
  for (const name of Object.keys(base)) if (name.startsWith('AWS_')) delete base[name];
  return { ...base, VAULT_CACERT: vault.files.devCa, AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

const printDatabase = [
  '--secrets',
  'DB_=secret/saas-project/dev/database',
  '--',
  'node',
  fixture('print-env.mjs'),
];

test('sets up AWS IAM and certificate logins, and converges when run again', async () => {
  const first = await platformRoles();
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toContain(`role ${ROLE} at auth/aws: ${aws.container.roleArn}`);
  expect(first.stderr).toContain(`certificate role ${ROLE} at auth/cert`);
  const again = await platformRoles();
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr).toContain('aws auth already enabled at aws/');
  expect(again.stderr).toContain('cert auth already enabled at cert/');
  // The role is pinned to the IAM role's unique id, as Vault does by default.
  expect(aws.calls()).toContainEqual({
    action: 'GetRole',
    accessKeyId: vaultKeys.accessKeyId,
    outcome: 'ok',
  });
});

test('an ECS task with the bound task role logs in, with the header value the script set', async () => {
  const result = await runCli(
    ['--auth', 'aws', '--role', ROLE, '--aws-header-value', SERVER_ID, ...printDatabase],
    {
      env: env({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${aws.url}${aws.container.path}`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: aws.container.token,
      }),
    },
  );
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(password);
});

test('a host with a certificate from the CA logs in with it', async () => {
  const result = await runCli(['--auth', 'cert', '--role', ROLE, ...printDatabase], {
    env: env({ VAULT_CLIENT_CERT: vault.files.clientCert, VAULT_CLIENT_KEY: vault.files.clientKey }),
  });
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).DB_PASSWORD).toBe(password);
});
