// Where an aws login's credentials come from: the first source the environment sets up, in the AWS
// SDKs' order (keys, web identity, container endpoint, EC2 metadata), and the STS endpoint the
// signed request is addressed to. Files named here are read once now, so a wrong path fails before
// waiting for Vault; vault/auth/aws.ts reads them again at every login.
import { GLOBAL_STS_REGION, type AuthPlan } from '../cli/auth-plan';
import { nonBlank } from '../cli/values';
import {
  AWS_CREDENTIAL_SOURCES_LOOKED_FOR,
  type AuthConfig,
  type AwsCredentialSource,
  type AwsLogin,
} from '../cli/config';
import type { Env } from '../util/env';
import { UsageError } from '../util/errors';
import { readTokenFile } from '../util/token-file';
import type { ResolveIo } from './io';

type AwsPlan = Extract<AuthPlan, { method: 'aws' }>;

/** The ECS agent's fixed address for AWS_CONTAINER_CREDENTIALS_RELATIVE_URI. */
export const ECS_CREDENTIALS_HOST = 'http://169.254.170.2';
export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
/** An http:// _FULL_URI must stay on the host or the platform's link-local agents, as the SDKs insist. */
const ALLOWED_HTTP_HOSTS = new Set([
  '169.254.170.2',
  '169.254.170.23',
  '[fd00:ec2::23]',
  'localhost',
  '[::1]',
]);

export function resolveAwsLogin(plan: AwsPlan, env: Env, io: ResolveIo): AuthConfig {
  const sts = stsEndpointFor(plan.region, env);
  const login: AwsLogin = {
    method: 'aws',
    mount: plan.mount,
    role: plan.role,
    sts,
    credentials: chooseAwsCredentialSource(env, io, sts.url),
  };
  if (plan.headerValue !== undefined) login.headerValue = plan.headerValue;
  return login;
}

/** AWS_ENDPOINT_URL_STS (the SDKs' override, a VPC endpoint say) wins; the region still signs. */
export function stsEndpointFor(region: string, env: Env): { url: string; region: string } {
  const signingRegion = region === GLOBAL_STS_REGION ? 'us-east-1' : region;
  const overrideName = ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'].find((name) => nonBlank(env[name]));
  if (overrideName !== undefined)
    return { url: parseHttpUrl(nonBlank(env[overrideName])!, overrideName), region: signingRegion };
  if (region === GLOBAL_STS_REGION) return { url: 'https://sts.amazonaws.com/', region: signingRegion };
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return { url: `https://sts.${region}.${domain}/`, region };
}

export function chooseAwsCredentialSource(env: Env, io: ResolveIo, stsUrl: string): AwsCredentialSource {
  const keyId = nonBlank(env.AWS_ACCESS_KEY_ID);
  const secret = nonBlank(env.AWS_SECRET_ACCESS_KEY);
  if (keyId !== undefined || secret !== undefined) {
    if (keyId === undefined || secret === undefined)
      throw new UsageError(
        `${keyId === undefined ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is set but ${keyId === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is not: set both, or neither to use the next source`,
      );
    const sessionToken = nonBlank(env.AWS_SESSION_TOKEN);
    return sessionToken === undefined
      ? { kind: 'env', accessKeyId: keyId, secretAccessKey: secret }
      : { kind: 'env', accessKeyId: keyId, secretAccessKey: secret, sessionToken };
  }

  const tokenFile = nonBlank(env.AWS_WEB_IDENTITY_TOKEN_FILE);
  const roleArn = nonBlank(env.AWS_ROLE_ARN);
  if (tokenFile !== undefined || roleArn !== undefined) {
    if (tokenFile === undefined || roleArn === undefined)
      throw new UsageError(
        `${tokenFile === undefined ? 'AWS_ROLE_ARN' : 'AWS_WEB_IDENTITY_TOKEN_FILE'} is set but ${tokenFile === undefined ? 'AWS_WEB_IDENTITY_TOKEN_FILE' : 'AWS_ROLE_ARN'} is not: EKS sets both for a service account annotated with eks.amazonaws.com/role-arn`,
      );
    requireReadable(tokenFile, 'AWS_WEB_IDENTITY_TOKEN_FILE', io);
    const sessionName = nonBlank(env.AWS_ROLE_SESSION_NAME);
    return { kind: 'web-identity', tokenFile, roleArn, stsUrl, ...(sessionName ? { sessionName } : {}) };
  }

  const container = chooseContainerEndpoint(env, io);
  if (container !== undefined) return container;

  if (nonBlank(env.AWS_EC2_METADATA_DISABLED)?.toLowerCase() === 'true')
    throw new UsageError(
      `no AWS credentials: looked for ${AWS_CREDENTIAL_SOURCES_LOOKED_FOR.join(', then ')}; EC2 instance metadata is off (AWS_EC2_METADATA_DISABLED)`,
    );
  const endpoint = nonBlank(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) ?? DEFAULT_IMDS_ENDPOINT;
  return {
    kind: 'imds',
    endpoint: parseHttpUrl(endpoint, 'AWS_EC2_METADATA_SERVICE_ENDPOINT').replace(/\/$/, ''),
  };
}

function chooseContainerEndpoint(env: Env, io: ResolveIo): AwsCredentialSource | undefined {
  const relative = nonBlank(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
  const full = nonBlank(env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  if (relative === undefined && full === undefined) return undefined;
  let url: string;
  let origin: string;
  if (relative !== undefined) {
    url = `${ECS_CREDENTIALS_HOST}${relative.startsWith('/') ? '' : '/'}${relative}`;
    origin = 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI';
  } else {
    origin = 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
    url = parseHttpUrl(full!, origin);
    const parsed = new URL(url);
    if (
      parsed.protocol === 'http:' &&
      !ALLOWED_HTTP_HOSTS.has(parsed.hostname) &&
      !parsed.hostname.startsWith('127.')
    )
      throw new UsageError(
        `${origin} ${url} is plain http to another host: only the ECS and EKS agents' link-local addresses and loopback may be http, anything else must be https`,
      );
  }
  const source: Extract<AwsCredentialSource, { kind: 'container' }> = { kind: 'container', url, origin };
  const tokenFile = nonBlank(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE);
  const token = nonBlank(env.AWS_CONTAINER_AUTHORIZATION_TOKEN);
  if (tokenFile !== undefined) {
    requireReadable(tokenFile, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', io);
    source.authorization = { kind: 'file', path: tokenFile };
  } else if (token !== undefined) source.authorization = { kind: 'value', value: token };
  return source;
}

function requireReadable(path: string, name: string, io: ResolveIo): void {
  const read = readTokenFile(path, name, io.readFile);
  if (!read.ok) throw new UsageError(read.message, { cause: read.cause });
}

function parseHttpUrl(text: string, name: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${name} is not a URL: give http(s)://host[:port]`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${name} must be an http:// or https:// URL`);
  return url.href;
}
