// A stand-in for AWS's own services, since none can run here: STS (GetCallerIdentity and
// AssumeRoleWithWebIdentity, answered in STS's XML), IAM's GetRole and GetUser (what Vault asks with
// its own keys to pin an ARN to a unique id), the ECS container credentials endpoint and EC2
// instance metadata (IMDSv2), on one loopback HTTP server. The real Vault server's aws auth method
// is pointed at it with sts_endpoint, and vault-exec with AWS_ENDPOINT_URL_STS,
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_EC2_METADATA_SERVICE_ENDPOINT, so no test reaches AWS
// or 169.254.169.254.
//
// It checks what the real services check, so a test cannot pass here where AWS would refuse:
// GetCallerIdentity (and IAM, for Vault's own requests) verifies the SigV4 signature with the key's secret (recomputed over the headers
// the request says it signed, as received through Vault), the credential scope (service sts, the
// configured region, the date), the request time (15 minutes), the session token of temporary
// credentials and their expiry; AssumeRoleWithWebIdentity wants a web identity token it was told
// to accept for that role; the container endpoint wants its authorization token; instance metadata
// answers only with an IMDSv2 session token. The signature is recomputed with the signer of
// src/aws/sigv4.ts, which test/unit/aws/sigv4.test.ts holds to AWS's published test suite.
import { createHash, randomBytes } from 'node:crypto';
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
      if (/^Get(Role|User)$/.test(form.get('Action') ?? '') && form.get('Version') === '2010-05-08')
        return answerIam(request, response, path, body);
      return stsError(response, 400, 'InvalidAction', 'Could not find operation');
    }
    response.writeHead(404).end();
  }

  /**
   * Checks a SigV4-signed request as AWS does; answers the refusal itself and returns undefined, or
   * returns the key it was signed with.
   */
  function verifySignature(
    request: IncomingMessage,
    response: ServerResponse,
    signed: { action: string; service: 'sts' | 'iam'; path: string; body: string },
  ): KnownKey | undefined {
    const refuse = (status: number, code: string, message: string, accessKeyId?: string): undefined => {
      calls.push({ action: signed.action, accessKeyId, outcome: code });
      stsError(response, status, code, message);
      return undefined;
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
    // IAM is a global service, signed for us-east-1 whatever the region.
    const expectedRegion = signed.service === 'iam' ? 'us-east-1' : region;
    if (service !== signed.service || scopeRegion !== expectedRegion)
      return refuse(
        403,
        'SignatureDoesNotMatch',
        `Credential should be scoped to a valid region. (expected ${expectedRegion}, got ${scopeRegion})`,
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
    const expected = authorizationHeader(
      { method: request.method!, path: signed.path, headers, body: signed.body },
      key,
      { region: scopeRegion!, service: signed.service, now: signedAt },
    );
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
    return key;
  }

  function answerGetCallerIdentity(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    body: string,
  ): void {
    const key = verifySignature(request, response, {
      action: 'GetCallerIdentity',
      service: 'sts',
      path,
      body,
    });
    if (key === undefined) return;
    calls.push({ action: 'GetCallerIdentity', accessKeyId: key.accessKeyId, outcome: 'ok' });
    // As AWS: an assumed role's caller is <the role's unique id>:<session>, a user is its unique id.
    const [type, name, session] = key.arn.split(':')[5]!.split('/');
    const userId = type === 'assumed-role' ? `${uniqueId('role', name!)}:${session}` : uniqueId(type!, name!);
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

  /**
   * IAM's GetRole and GetUser, which Vault calls (signed with its own keys) to pin a bound ARN to the
   * principal's unique id when a role has resolve_aws_unique_ids=true. Every role and user exists.
   */
  function answerIam(request: IncomingMessage, response: ServerResponse, path: string, body: string): void {
    const form = new URLSearchParams(body);
    const action = form.get('Action')!;
    const key = verifySignature(request, response, { action, service: 'iam', path, body });
    if (key === undefined) return;
    calls.push({ action, accessKeyId: key.accessKeyId, outcome: 'ok' });
    const kind = action === 'GetRole' ? 'Role' : 'User';
    const name = form.get(`${kind}Name`) ?? '';
    xml(
      response,
      200,
      `<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <${action}Result>
    <${kind}>
      <Path>/</Path>
      <${kind}Name>${name}</${kind}Name>
      <${kind}Id>${uniqueId(kind.toLowerCase(), name)}</${kind}Id>
      <Arn>arn:aws:iam::${ACCOUNT}:${kind.toLowerCase()}/${name}</Arn>
      <CreateDate>2026-01-01T00:00:00Z</CreateDate>
    </${kind}>
  </${action}Result>
  <ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata>
</${action}Response>`,
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

/** A principal's unique id, stable for its name: AROA… for a role, AIDA… for a user. */
function uniqueId(type: string, name: string): string {
  const digest = createHash('sha256').update(`${type}/${name}`).digest('hex').slice(0, 17).toUpperCase();
  return `${type === 'role' ? 'AROA' : 'AIDA'}${digest}`;
}

function parseAmzDate(text: string): Date | undefined {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}
