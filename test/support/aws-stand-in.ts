// A stand-in for AWS's own services, since none can run here: STS (GetCallerIdentity and
// AssumeRoleWithWebIdentity, answered in STS's XML), the ECS container credentials endpoint and EC2
// instance metadata (IMDSv2), on one loopback HTTP server. The real Vault server's aws auth method
// is pointed at it with sts_endpoint, and vault-exec with AWS_ENDPOINT_URL_STS,
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_EC2_METADATA_SERVICE_ENDPOINT, so no test reaches AWS
// or 169.254.169.254.
//
// It checks what the real services check, so a test cannot pass here where AWS would refuse:
// GetCallerIdentity verifies the SigV4 signature with the key's secret (recomputed over the headers
// the request says it signed, as received through Vault), the credential scope (service sts, the
// configured region, the date), the request time (15 minutes), the session token of temporary
// credentials and their expiry; AssumeRoleWithWebIdentity wants a web identity token it was told
// to accept for that role; the container endpoint wants its authorization token; instance metadata
// answers only with an IMDSv2 session token. The signature is recomputed with the signer of
// src/aws/sigv4.ts, which test/unit/aws/sigv4.test.ts holds to AWS's published test suite.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { authorizationHeader } from '../../src/aws/sigv4';
import { rememberSecret } from './leak-scan';

export const ACCOUNT = '123456789012';
const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface KnownKey extends AwsKeys {
  /** The caller's ARN as GetCallerIdentity names it. */
  arn: string;
  expiresAt?: Date;
}

export interface AwsStandIn {
  url: string;
  /** Long-term keys of an IAM user, or temporary ones of an assumed role, known from now on. */
  issueKeys(arn: string, options?: { temporary?: boolean; expiresAt?: Date }): AwsKeys;
  /** A web identity token AssumeRoleWithWebIdentity accepts for `roleArn`. */
  acceptWebIdentity(token: string, roleArn: string): void;
  /** The container endpoint's path and the token it wants; it hands out credentials of `roleArn`. */
  container: { path: string; token: string; roleArn: string };
  /** The instance profile's role behind instance metadata. */
  instanceRole: { name: string; arn: string };
  /** How long credentials handed out by AssumeRoleWithWebIdentity, the container endpoint and IMDS live. */
  setTemporaryLifetime(ms: number): void;
  /** Every call, in order: the action and the access key it was signed with (if any). */
  calls(): { action: string; accessKeyId?: string; outcome: string }[];
  close(): Promise<void>;
}

export async function startAwsStandIn(options: { region?: string } = {}): Promise<AwsStandIn> {
  const region = options.region ?? 'us-east-1';
  const keys = new Map<string, KnownKey>();
  const webIdentities = new Map<string, string>();
  const imdsTokens = new Set<string>();
  const calls: { action: string; accessKeyId?: string; outcome: string }[] = [];
  let temporaryLifetimeMs = 60 * 60_000;
  const container = {
    path: `/v2/credentials/${randomBytes(8).toString('hex')}`,
    token: rememberSecret(`ecs-token-${randomBytes(12).toString('hex')}`),
    roleArn: `arn:aws:iam::${ACCOUNT}:role/checkout-task`,
  };
  const instanceRole = { name: 'checkout-host', arn: `arn:aws:iam::${ACCOUNT}:role/checkout-host` };

  const issueKeys = (arn: string, issue: { temporary?: boolean; expiresAt?: Date } = {}): AwsKeys => {
    const temporary = issue.temporary ?? false;
    const key: KnownKey = {
      accessKeyId: rememberSecret(
        `${temporary ? 'ASIA' : 'AKIA'}${randomBytes(8).toString('hex').toUpperCase()}`,
      ),
      secretAccessKey: rememberSecret(randomBytes(30).toString('base64')),
      arn,
    };
    if (temporary) {
      key.sessionToken = rememberSecret(`IQoJb3JpZ2luX2Vj${randomBytes(48).toString('base64')}`);
      key.expiresAt = issue.expiresAt ?? new Date(Date.now() + temporaryLifetimeMs);
    }
    keys.set(key.accessKeyId, key);
    const { accessKeyId, secretAccessKey, sessionToken } = key;
    return sessionToken === undefined
      ? { accessKeyId, secretAccessKey }
      : { accessKeyId, secretAccessKey, sessionToken };
  };

  /** An assumed role's session, as STS names the caller: arn:aws:sts::<account>:assumed-role/<role>/<session>. */
  const assumeRole = (roleArn: string, session: string) => {
    const name = roleArn.split('/').at(-1);
    return issueKeys(`arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${session}`, { temporary: true });
  };

  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        route(request, response, body);
      } catch (error) {
        response.writeHead(500).end(String(error));
      }
    });
  });

  function route(request: IncomingMessage, response: ServerResponse, body: string): void {
    // Vault sends to `${sts_endpoint}/${path}`, so "//"; AWS normalizes the path of every service but
    // S3 (the test suite's normalize-path vectors) before it checks the signature, and so does this.
    const path = (request.url ?? '/').replace(/\/{2,}/g, '/');
    if (path.startsWith('/latest/')) return answerInstanceMetadata(request, response, path);
    if (path === container.path) return answerContainer(request, response);
    if (request.method === 'POST' && path === '/') {
      const form = new URLSearchParams(body);
      if (form.get('Action') === 'GetCallerIdentity' && form.get('Version') === '2011-06-15')
        return answerGetCallerIdentity(request, response, path, body);
      if (form.get('Action') === 'AssumeRoleWithWebIdentity') return answerWebIdentity(response, form);
      return stsError(response, 400, 'InvalidAction', 'Could not find operation');
    }
    response.writeHead(404).end();
  }

  function answerGetCallerIdentity(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    body: string,
  ): void {
    const refuse = (status: number, code: string, message: string, accessKeyId?: string) => {
      calls.push({ action: 'GetCallerIdentity', accessKeyId, outcome: code });
      stsError(response, status, code, message);
    };
    const authorization = String(request.headers.authorization ?? '');
    const parsed =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    if (parsed === null)
      return refuse(400, 'IncompleteSignature', 'The request signature does not conform to AWS standards.');
    const [, accessKeyId, date, scopeRegion, service, signedHeaders, signature] =
      parsed as unknown as string[];
    const key = keys.get(accessKeyId!);
    if (key === undefined)
      return refuse(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
        accessKeyId,
      );
    if (service !== 'sts' || scopeRegion !== region)
      return refuse(
        403,
        'SignatureDoesNotMatch',
        `Credential should be scoped to a valid region. (expected ${region}, got ${scopeRegion})`,
        accessKeyId,
      );
    const amzDate = String(request.headers['x-amz-date'] ?? '');
    const signedAt = parseAmzDate(amzDate);
    if (signedAt === undefined || !amzDate.startsWith(date!))
      return refuse(
        400,
        'IncompleteSignature',
        'X-Amz-Date is missing or does not match the credential scope.',
        accessKeyId,
      );
    if (Math.abs(Date.now() - signedAt.getTime()) > 15 * 60_000)
      return refuse(
        403,
        'SignatureDoesNotMatch',
        'Signature expired: the request time is too skewed.',
        accessKeyId,
      );
    const names = signedHeaders!.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date'))
      return refuse(403, 'SignatureDoesNotMatch', 'Host and X-Amz-Date must be signed.', accessKeyId);
    if (key.sessionToken !== undefined && request.headers['x-amz-security-token'] !== key.sessionToken)
      return refuse(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
        accessKeyId,
      );
    const headers: Record<string, string> = {};
    for (const name of names) headers[name] = String(request.headers[name] ?? '');
    const expected = authorizationHeader({ method: request.method!, path, headers, body }, key, {
      region: scopeRegion!,
      service: 'sts',
      now: signedAt,
    });
    if (!expected.endsWith(`Signature=${signature}`))
      return refuse(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
        accessKeyId,
      );
    if (key.expiresAt !== undefined && key.expiresAt.getTime() <= Date.now())
      return refuse(
        403,
        'ExpiredToken',
        'The security token included in the request is expired',
        accessKeyId,
      );
    calls.push({ action: 'GetCallerIdentity', accessKeyId, outcome: 'ok' });
    const userId = key.arn.includes(':assumed-role/')
      ? `AROA${accessKeyId!.slice(4)}:${key.arn.split('/').at(-1)}`
      : `AIDA${accessKeyId!.slice(4)}`;
    xml(
      response,
      200,
      `<GetCallerIdentityResponse xmlns="${XMLNS}">
  <GetCallerIdentityResult>
    <Arn>${key.arn}</Arn>
    <UserId>${userId}</UserId>
    <Account>${ACCOUNT}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`,
    );
  }

  function answerWebIdentity(response: ServerResponse, form: URLSearchParams): void {
    const roleArn = form.get('RoleArn') ?? '';
    const token = form.get('WebIdentityToken') ?? '';
    const session = form.get('RoleSessionName') ?? '';
    if (webIdentities.get(token) !== roleArn) {
      calls.push({ action: 'AssumeRoleWithWebIdentity', outcome: 'AccessDenied' });
      return stsError(
        response,
        403,
        'AccessDenied',
        'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      );
    }
    if (!/^[\w+=,.@-]{2,64}$/.test(session))
      return stsError(response, 400, 'ValidationError', 'Invalid RoleSessionName');
    const issued = assumeRole(roleArn, session);
    calls.push({ action: 'AssumeRoleWithWebIdentity', accessKeyId: issued.accessKeyId, outcome: 'ok' });
    const expiration = keys.get(issued.accessKeyId)!.expiresAt!.toISOString();
    xml(
      response,
      200,
      `<AssumeRoleWithWebIdentityResponse xmlns="${XMLNS}">
  <AssumeRoleWithWebIdentityResult>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>${keys.get(issued.accessKeyId)!.arn}</Arn>
      <AssumedRoleId>AROA${issued.accessKeyId.slice(4)}:${session}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${issued.sessionToken}</SessionToken>
      <SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey>
      <Expiration>${expiration}</Expiration>
      <AccessKeyId>${issued.accessKeyId}</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`,
    );
  }

  function answerContainer(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' || request.headers.authorization !== container.token) {
      calls.push({ action: 'ContainerCredentials', outcome: 'unauthorized' });
      response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"message":"unauthorized"}');
      return;
    }
    const issued = assumeRole(container.roleArn, `ecs-task-${randomBytes(4).toString('hex')}`);
    calls.push({ action: 'ContainerCredentials', accessKeyId: issued.accessKeyId, outcome: 'ok' });
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(
      JSON.stringify({
        RoleArn: container.roleArn,
        AccessKeyId: issued.accessKeyId,
        SecretAccessKey: issued.secretAccessKey,
        Token: issued.sessionToken,
        Expiration: keys.get(issued.accessKeyId)!.expiresAt!.toISOString(),
      }),
    );
  }

  function answerInstanceMetadata(request: IncomingMessage, response: ServerResponse, path: string): void {
    if (path === '/latest/api/token') {
      const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (request.method !== 'PUT' || !(ttl >= 1 && ttl <= 21_600)) {
        response.writeHead(400).end();
        return;
      }
      const token = rememberSecret(randomBytes(24).toString('base64'));
      imdsTokens.add(token);
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end(token);
      return;
    }
    // IMDSv2 only ("HttpTokens: required"): without a session token, 401.
    if (
      request.method !== 'GET' ||
      !imdsTokens.has(String(request.headers['x-aws-ec2-metadata-token'] ?? ''))
    ) {
      calls.push({ action: 'InstanceMetadata', outcome: 'unauthorized' });
      response.writeHead(401).end();
      return;
    }
    const base = '/latest/meta-data/iam/security-credentials/';
    if (path === base) {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end(instanceRole.name);
      return;
    }
    if (path !== `${base}${instanceRole.name}`) {
      response.writeHead(404).end();
      return;
    }
    const issued = assumeRole(instanceRole.arn, `i-${randomBytes(8).toString('hex')}`);
    calls.push({ action: 'InstanceMetadata', accessKeyId: issued.accessKeyId, outcome: 'ok' });
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.end(
      JSON.stringify({
        Code: 'Success',
        LastUpdated: new Date().toISOString(),
        Type: 'AWS-HMAC',
        AccessKeyId: issued.accessKeyId,
        SecretAccessKey: issued.secretAccessKey,
        Token: issued.sessionToken,
        Expiration: keys.get(issued.accessKeyId)!.expiresAt!.toISOString(),
      }),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    issueKeys,
    acceptWebIdentity: (token, roleArn) => void webIdentities.set(token, roleArn),
    container,
    instanceRole,
    setTemporaryLifetime: (ms) => void (temporaryLifetimeMs = ms),
    calls: () => [...calls],
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function stsError(response: ServerResponse, status: number, code: string, message: string): void {
  xml(
    response,
    status,
    `<ErrorResponse xmlns="${XMLNS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>${randomBytes(16).toString('hex')}</RequestId>
</ErrorResponse>`,
  );
}

function xml(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/xml' }).end(text);
}

function parseAmzDate(text: string): Date | undefined {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}
