import { expect, test } from 'vitest';
import type { AuthConfig } from '../../../src/cli/config';
import { refuseFileAddressForOwnToken } from '../../../src/resolve/own-token-address';

const ownToken: AuthConfig = { method: 'token', token: 't', source: '~/.vault-token' };
const appRole: AuthConfig = {
  method: 'approle',
  roleId: 'r',
  secretIdWrapped: false,
  mount: 'approle',
  removeSecretIdFile: false,
};

test("a file's vault-addr is refused for your own token, naming the file and what to set", () => {
  expect(() =>
    refuseFileAddressForOwnToken({
      fileAddress: 'https://v:8200',
      auth: ownToken,
      file: '/p/vault-exec.yaml',
    }),
  ).toThrow(
    '/p/vault-exec.yaml sets vault-addr https://v:8200, but your own token (from ~/.vault-token) only goes to an address you set: if you trust it, set VAULT_ADDR or --vault-addr yourself (vault login needs it too)',
  );
});

test('an address you set, or AppRole credentials, pass', () => {
  expect(() =>
    refuseFileAddressForOwnToken({ fileAddress: undefined, auth: ownToken, file: 'f' }),
  ).not.toThrow();
  expect(() =>
    refuseFileAddressForOwnToken({ fileAddress: 'https://v', auth: appRole, file: 'f' }),
  ).not.toThrow();
});

test("a file's vault-addr is refused for a job's or pod's JWT too, which is no more the repository's than your token", () => {
  const github: AuthConfig = {
    method: 'jwt',
    mount: 'jwt',
    role: 'ci',
    jwt: { kind: 'github', requestUrl: 'https://t', requestToken: 'r', audience: 'sigstore' },
  };
  const pod: AuthConfig = {
    method: 'kubernetes',
    mount: 'kubernetes',
    role: 'app',
    jwt: { kind: 'file', path: '/var/run/token', origin: 'the service-account token' },
  };
  expect(() =>
    refuseFileAddressForOwnToken({ fileAddress: 'https://evil', auth: github, file: 'f' }),
  ).toThrow(
    'f sets vault-addr https://evil, but the JWT (from GitHub Actions OIDC (audience "sigstore")) only goes to an address you set: if you trust it, set VAULT_ADDR or --vault-addr yourself',
  );
  expect(() => refuseFileAddressForOwnToken({ fileAddress: 'https://evil', auth: pod, file: 'f' })).toThrow(
    'the JWT (from the service-account token /var/run/token)',
  );
});

test("a file's vault-addr is refused for the platform's AWS identity, whose signed request could be replayed; a certificate cannot be", () => {
  const aws: AuthConfig = {
    method: 'aws',
    mount: 'aws',
    role: 'app',
    sts: { url: 'https://sts.amazonaws.com/', region: 'us-east-1' },
    credentials: { kind: 'imds', endpoint: 'http://169.254.169.254' },
  };
  expect(() => refuseFileAddressForOwnToken({ fileAddress: 'https://evil', auth: aws, file: 'f' })).toThrow(
    'f sets vault-addr https://evil, but the AWS identity (from EC2 instance metadata (IMDSv2) at http://169.254.169.254) only goes to an address you set',
  );
  const cert: AuthConfig = { method: 'cert', mount: 'cert' };
  expect(() =>
    refuseFileAddressForOwnToken({ fileAddress: 'https://v', auth: cert, file: 'f' }),
  ).not.toThrow();
});
