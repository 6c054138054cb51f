import { createHash } from 'node:crypto';
import {
  AuthError,
  SecretNotFoundError,
  VaultUnavailableError,
  escapeControlCharacters,
  quote,
} from '../errors';
import type { Logger } from '../log';
import { keyToEnvName, type EnvTemplate, type PathImport, type SecretMapping, type SecretRef } from '../refs';
import { vaultMessage, type VaultClient, type VaultResponse } from './client';
import { isTransientFailure, requestWithRetry } from './retry';

/** Reads run in parallel, but a few at a time: a big mapping must not look like a burst to Vault's rate limiter. */
export const READ_CONCURRENCY = 4;

export interface Lease {
  id: string;
  path: string;
  ttlSeconds: number;
  renewable: boolean;
}

/** Which version of a static (unleased) secret the child got, for --watch to compare against. */
export interface SecretVersion {
  apiPath: string;
  kvVersion: 1 | 2 | undefined;
  /** KV v2: "v<version>"; otherwise a hash of the data (never logged: it would help guess values). */
  fingerprint: string;
}

export interface ResolvedSecrets {
  /** Env name → value, in the order they should be applied. */
  values: Map<string, string>;
  leases: Lease[];
  versions: SecretVersion[];
}

interface Mount {
  path: string;
  kvVersion: 1 | 2 | undefined;
}

/** Where a path as the user typed it lives: the API path to read and how to unpack the answer. */
interface Location {
  typed: string;
  apiPath: string;
  kvVersion: 1 | 2 | undefined;
}

export async function readSecrets(options: {
  client: VaultClient;
  token: string;
  mappings: SecretMapping[];
  imports: PathImport[];
  templates: EnvTemplate[];
  log: Logger;
}): Promise<ResolvedSecrets> {
  const { client, token, mappings, imports, templates, log } = options;
  const refs: SecretRef[] = [
    ...mappings.map((mapping) => mapping.ref),
    ...templates.flatMap((template) => template.parts.flatMap((part) => ('ref' in part ? [part.ref] : []))),
  ];
  const typedPaths = unique([...refs.map((ref) => ref.path), ...imports.map((item) => item.path)]);

  const mounts: Mount[] = [];
  const locations = new Map<string, Location>();
  // Sequential on purpose: the first lookup under a mount answers for every later path under it.
  for (const typed of typedPaths) locations.set(typed, await locate(client, token, typed, mounts));

  const apiPaths = unique([...locations.values()].map((location) => location.apiPath));
  const reads = await mapWithLimit(apiPaths, READ_CONCURRENCY, (apiPath) =>
    readPath(
      client,
      token,
      [...locations.values()].find((location) => location.apiPath === apiPath)!,
    ),
  );
  const dataByApiPath = new Map(apiPaths.map((apiPath, index) => [apiPath, reads[index]!] as const));
  const dataFor = (typed: string): Record<string, unknown> =>
    dataByApiPath.get(locations.get(typed)!.apiPath)!.data;
  const valueOf = (ref: SecretRef): string => {
    const data = dataFor(ref.path);
    if (!Object.hasOwn(data, ref.key)) {
      const names = Object.keys(data).sort().map(escapeControlCharacters);
      throw new SecretNotFoundError(
        `key ${quote(ref.key)} not found in ${ref.path}; ${names.length === 0 ? 'the secret has no keys' : `keys present: ${names.slice(0, 20).join(', ')}`}`,
      );
    }
    return toEnvValue(data[ref.key]);
  };

  // Later sources override earlier ones: whole-path imports, then env references, then explicit --secret.
  const values = new Map<string, string>();
  for (const { path, prefix } of imports) {
    for (const [key, value] of Object.entries(dataFor(path)))
      values.set(keyToEnvName(prefix, key), toEnvValue(value));
  }
  for (const template of templates) {
    values.set(
      template.name,
      template.parts.map((part) => ('ref' in part ? valueOf(part.ref) : part.literal)).join(''),
    );
  }
  for (const mapping of mappings) values.set(mapping.name, valueOf(mapping.ref));
  for (const value of values.values()) log.redact(value);

  const leases = reads.flatMap((read) => (read.lease ? [read.lease] : []));
  const versions = reads.flatMap((read) => (read.version ? [read.version] : []));
  log.info(
    `read ${values.size} secret${values.size === 1 ? '' : 's'} from ${apiPaths.length} path${apiPaths.length === 1 ? '' : 's'}`,
    {
      event: 'secrets',
      names: [...values.keys()].join(','),
    },
  );
  return { values, leases, versions };
}

/**
 * The current fingerprint of a static secret, or undefined when it cannot be read right now (a
 * watch must not stop a running service over a passing fault or a permission change).
 */
export async function readFingerprint(
  client: VaultClient,
  token: string,
  version: SecretVersion,
): Promise<string | undefined> {
  try {
    const response = await client.request('GET', version.apiPath, { token });
    return response.status === 200 ? fingerprintOf(version.kvVersion, response.body) : undefined;
  } catch {
    return undefined;
  }
}

function fingerprintOf(
  kvVersion: 1 | 2 | undefined,
  body: { data?: { metadata?: { version?: unknown }; data?: unknown } },
): string {
  if (kvVersion === 2) return `v${String(body.data?.metadata?.version)}`;
  return createHash('sha256')
    .update(JSON.stringify(body.data ?? null))
    .digest('hex');
}

/** Non-string values (numbers, booleans, objects) are passed on as JSON text. */
export function toEnvValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

async function locate(client: VaultClient, token: string, typed: string, mounts: Mount[]): Promise<Location> {
  let mount = mounts.find((candidate) => `${typed}/`.startsWith(candidate.path));
  if (!mount) {
    const response = await send(
      client,
      () => client.request('GET', `sys/internal/ui/mounts/${typed}`, { token }),
      `looking up the mount of ${typed}`,
    );
    if (response.status === 403) {
      throw new AuthError(
        `permission denied reading ${typed} at ${client.address}: the token's policies grant no access under this path, or no secrets engine is mounted there`,
      );
    }
    const data = response.body?.data;
    // Old servers have no mount lookup (404): read the path exactly as typed, as the Vault CLI does.
    if (response.status !== 200 || typeof data?.path !== 'string')
      return { typed, apiPath: typed, kvVersion: undefined };
    const isKv = data.type === 'kv' || data.type === 'generic';
    mount = {
      path: data.path,
      kvVersion: isKv ? (String(data.options?.version ?? '1') === '2' ? 2 : 1) : undefined,
    };
    mounts.push(mount);
  }
  if (mount.kvVersion !== 2) return { typed, apiPath: typed, kvVersion: mount.kvVersion };
  const relative = typed.slice(mount.path.length);
  const apiPath = relative.startsWith('data/') ? typed : `${mount.path}data/${relative}`;
  return { typed, apiPath, kvVersion: 2 };
}

async function readPath(
  client: VaultClient,
  token: string,
  location: Location,
): Promise<{ data: Record<string, unknown>; lease?: Lease; version?: SecretVersion }> {
  const { typed, apiPath } = location;
  const shown = typed === apiPath ? typed : `${typed} (${apiPath})`;
  const response = await send(client, () => client.request('GET', apiPath, { token }), `reading ${shown}`);
  if (response.status === 403) {
    throw new AuthError(
      `permission denied reading ${shown} at ${client.address}: the token's policies do not allow read on ${apiPath}`,
    );
  }
  if (response.status === 404) {
    const metadata = response.body?.data?.metadata;
    const deleted =
      metadata &&
      (metadata.destroyed === true ||
        (typeof metadata.deletion_time === 'string' && metadata.deletion_time !== ''));
    throw new SecretNotFoundError(
      deleted
        ? `secret ${shown} has no current version: its latest version is deleted or destroyed; undelete it or write a new version`
        : `secret not found: ${shown} at ${client.address}; check the path and that it was written`,
    );
  }
  if (response.status !== 200) {
    throw new VaultUnavailableError(
      `reading ${shown} at ${client.address} failed: ${vaultMessage(response)} (HTTP ${response.status})`,
    );
  }
  const body = response.body ?? {};
  const data = location.kvVersion === 2 ? body.data?.data : body.data;
  if (data === null && location.kvVersion === 2) {
    throw new SecretNotFoundError(
      `secret ${shown} has no current version: its latest version is deleted or destroyed`,
    );
  }
  const record = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const leaseId = typeof body.lease_id === 'string' ? body.lease_id : '';
  const lease =
    leaseId === ''
      ? undefined
      : {
          id: leaseId,
          path: apiPath,
          ttlSeconds: Number(body.lease_duration) || 0,
          renewable: body.renewable === true,
        };
  // Dynamic secrets are never re-read to look for changes: each read would mint new credentials.
  return lease
    ? { data: record, lease }
    : {
        data: record,
        version: {
          apiPath,
          kvVersion: location.kvVersion,
          fingerprint: fingerprintOf(location.kvVersion, body),
        },
      };
}

async function send(
  client: VaultClient,
  request: () => Promise<VaultResponse>,
  what: string,
): Promise<VaultResponse> {
  const result = await requestWithRetry(request);
  if (isTransientFailure(result))
    throw new VaultUnavailableError(`${what} at ${client.address} failed: ${result.reason}`);
  return result;
}

async function mapWithLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
