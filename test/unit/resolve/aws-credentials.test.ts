// Where --auth aws takes its credentials from: the SDKs' order, what each source needs, and the 64
// of a source set up by half or not at all; and which STS endpoint the request is signed for.
import { describe, expect, test } from 'vitest';
import { chooseAwsCredentialSource, stsEndpointFor } from '../../../src/resolve/aws-credentials';
import { configFromArgv } from '../../support/config-from-argv';
import { memoryIo } from './memory-io';

const STS = 'https://sts.amazonaws.com/';
const io = memoryIo({
  files: { '/eks/token': 'eyJhbGciOi.x.y\n', '/ecs/token': 'ecs-token\n', '/empty': '\n' },
});
const choose = (env: Record<string, string>) => chooseAwsCredentialSource(env, io, STS);
const keys = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
const webIdentity = { AWS_WEB_IDENTITY_TOKEN_FILE: '/eks/token', AWS_ROLE_ARN: 'arn:aws:iam::1:role/pod' };
const ecs = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc' };

describe('the order of the sources', () => {
  test('keys in the environment come first, with AWS_SESSION_TOKEN when set', () => {
    expect(choose({ ...keys, ...webIdentity, ...ecs })).toEqual({
      kind: 'env',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
    });
    expect(choose({ ...keys, AWS_SESSION_TOKEN: 'tok' })).toMatchObject({ kind: 'env', sessionToken: 'tok' });
  });

  test('then the web identity token file with AWS_ROLE_ARN (EKS IRSA), signed against the same STS', () => {
    expect(choose({ ...webIdentity, ...ecs, AWS_ROLE_SESSION_NAME: 'checkout' })).toEqual({
      kind: 'web-identity',
      tokenFile: '/eks/token',
      roleArn: 'arn:aws:iam::1:role/pod',
      sessionName: 'checkout',
      stsUrl: STS,
    });
  });

  test("then the container endpoint: the ECS agent's address for a relative URI", () => {
    expect(choose(ecs)).toEqual({
      kind: 'container',
      url: 'http://169.254.170.2/v2/credentials/abc',
      origin: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    });
  });

  test('a full URI with its authorization token, from a file (read at each fetch) or the variable', () => {
    const full = { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' };
    expect(choose({ ...full, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/ecs/token' })).toMatchObject({
      url: 'http://169.254.170.23/v1/credentials',
      authorization: { kind: 'file', path: '/ecs/token' },
    });
    expect(choose({ ...full, AWS_CONTAINER_AUTHORIZATION_TOKEN: 't' })).toMatchObject({
      authorization: { kind: 'value', value: 't' },
    });
  });

  test('last, EC2 instance metadata, at AWS_EC2_METADATA_SERVICE_ENDPOINT when set', () => {
    expect(choose({})).toEqual({ kind: 'imds', endpoint: 'http://169.254.169.254' });
    expect(choose({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1338/' })).toEqual({
      kind: 'imds',
      endpoint: 'http://127.0.0.1:1338',
    });
  });
});

describe('usage errors (64)', () => {
  test.each([
    [{ AWS_ACCESS_KEY_ID: 'AKID' }, 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not'],
    [{ AWS_SECRET_ACCESS_KEY: 's' }, 'AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not'],
    [
      { AWS_ROLE_ARN: 'arn:aws:iam::1:role/pod' },
      'AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not',
    ],
    [
      { AWS_WEB_IDENTITY_TOKEN_FILE: '/eks/token' },
      'AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not',
    ],
    [
      { ...webIdentity, AWS_WEB_IDENTITY_TOKEN_FILE: '/gone' },
      'cannot read AWS_WEB_IDENTITY_TOKEN_FILE /gone',
    ],
    [
      { ...webIdentity, AWS_WEB_IDENTITY_TOKEN_FILE: '/empty' },
      'AWS_WEB_IDENTITY_TOKEN_FILE /empty is empty',
    ],
    [
      { ...ecs, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/gone' },
      'cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE /gone',
    ],
    [
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://metadata.example.com/creds' },
      'AWS_CONTAINER_CREDENTIALS_FULL_URI http://metadata.example.com/creds is plain http to another host',
    ],
    [{ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'not a url' }, 'AWS_EC2_METADATA_SERVICE_ENDPOINT is not a URL'],
  ])('%j', (env, message) => {
    expect(() => choose(env)).toThrow(message);
  });

  test('with instance metadata turned off, nothing found names every source looked for, in order', () => {
    expect(() => choose({ AWS_EC2_METADATA_DISABLED: 'true' })).toThrow(
      'no AWS credentials: looked for AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY, then AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, then AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI; EC2 instance metadata is off (AWS_EC2_METADATA_DISABLED)',
    );
  });
});

describe('the STS endpoint', () => {
  test.each([
    ['global', {}, { url: 'https://sts.amazonaws.com/', region: 'us-east-1' }],
    ['eu-west-1', {}, { url: 'https://sts.eu-west-1.amazonaws.com/', region: 'eu-west-1' }],
    ['cn-north-1', {}, { url: 'https://sts.cn-north-1.amazonaws.com.cn/', region: 'cn-north-1' }],
    [
      'eu-west-1',
      { AWS_ENDPOINT_URL_STS: 'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com' },
      { url: 'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com/', region: 'eu-west-1' },
    ],
  ])('%s with %j', (region, env, expected) => {
    expect(stsEndpointFor(region, env)).toEqual(expected);
  });
});

describe('--auth aws through parse and resolve', () => {
  const authOf = (argv: string[], env: Record<string, string>) => {
    const result = configFromArgv([...argv, '--', 'true'], { HOME: '/nonexistent', ...env }, io);
    if (result.kind !== 'run') throw new Error('expected a run');
    return result.config.auth;
  };

  test('--aws-region wins over AWS_REGION, which wins over the global endpoint', () => {
    const base = ['--auth', 'aws', '--role', 'app'];
    expect(authOf(base, keys)).toMatchObject({ mount: 'aws', role: 'app', sts: { region: 'us-east-1' } });
    expect(authOf(base, { ...keys, AWS_REGION: 'eu-central-1' })).toMatchObject({
      sts: { url: 'https://sts.eu-central-1.amazonaws.com/', region: 'eu-central-1' },
    });
    expect(
      authOf([...base, '--aws-region', 'global'], { ...keys, AWS_REGION: 'eu-central-1' }),
    ).toMatchObject({
      sts: { url: 'https://sts.amazonaws.com/' },
    });
  });

  test('--aws-header-value is kept for the signed request', () => {
    expect(
      authOf(['--auth', 'aws', '--role', 'app', '--aws-header-value', 'vault.example.com'], keys),
    ).toMatchObject({ headerValue: 'vault.example.com' });
  });

  test.each([
    [
      ['--auth', 'aws'],
      '--auth aws needs --role (or VAULT_EXEC_ROLE): the name of the Vault role at auth/aws/role/<name>',
    ],
    [
      ['--auth', 'aws', '--role', 'app', '--aws-region', 'eu west'],
      '--aws-region "eu west" is not an AWS region',
    ],
    [
      ['--aws-region', 'eu-west-1'],
      '--aws-region is for --auth aws: add --auth aws (or VAULT_EXEC_AUTH=aws)',
    ],
    [
      ['--auth', 'jwt', '--role', 'x', '--aws-header-value', 'v'],
      '--aws-header-value is for --auth aws, not jwt',
    ],
  ])('%j is a usage error', (argv, message) => {
    expect(() => authOf(argv, { ...keys, VAULT_EXEC_JWT: 'a.b.c' })).toThrow(message);
  });
});

describe('--auth cert through parse and resolve', () => {
  const tls = {
    VAULT_ADDR: 'https://vault.example.com:8200',
    VAULT_CLIENT_CERT: '/c.pem',
    VAULT_CLIENT_KEY: '/k.pem',
  };
  const authOf = (argv: string[], env: Record<string, string>) => {
    const result = configFromArgv([...argv, '--', 'true'], { HOME: '/nonexistent', ...env }, io);
    if (result.kind !== 'run') throw new Error('expected a run');
    return result.config.auth;
  };

  test('the role is optional, the mount defaults to cert', () => {
    expect(authOf(['--auth', 'cert'], tls)).toEqual({ method: 'cert', mount: 'cert' });
    expect(authOf(['--auth', 'cert', '--role', 'web', '--auth-mount', 'certs'], tls)).toEqual({
      method: 'cert',
      mount: 'certs',
      role: 'web',
    });
  });

  test.each([
    [
      { VAULT_CLIENT_CERT: '' },
      '--auth cert needs a client certificate: set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY',
    ],
    [
      { VAULT_CLIENT_KEY: '' },
      '--auth cert needs a client certificate: set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY',
    ],
    [
      { VAULT_ADDR: 'http://127.0.0.1:8200' },
      '--auth cert needs TLS to Vault, but VAULT_ADDR is http://127.0.0.1:8200',
    ],
  ])('%j is a usage error', (env, message) => {
    expect(() => authOf(['--auth', 'cert'], { ...tls, ...env })).toThrow(message);
  });
});
