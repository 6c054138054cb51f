// Reads the secrets a start-up or the next generation needs: finds each path's mount, reads every API
// path once, a few at a time, and turns the answers into env values, with their leases and versions.
import {
  AuthError,
  SecretNotFoundError,
  VaultUnavailableError,
  escapeControlCharacters,
  quote,
} from '../util/errors';
import { monotonicNow, type Clock } from '../util/clock';
import type { Logger } from '../util/log';
import {
  refKey,
  type EnvTemplate,
  type PathImport,
  type SecretMapping,
  type SecretRef,
} from '../cli/secret-references';
import { vaultMessage, type VaultClient, type VaultResponse } from './http/client';
import { sendOrGiveUp } from './http/send';
import type { SecretLocation } from './secret-location';
import { versionOf, type SecretVersion } from './secret-versions';
import { parseTtlSeconds } from './ttl';

export type { SecretVersion } from './secret-versions';

/** Reads run in parallel, but a few at a time: a big mapping must not look like a burst to Vault's rate limiter. */
export const READ_CONCURRENCY = 4;

export interface Lease {
  id: string;
  path: string;
  ttlSeconds: number;
  renewable: boolean;
  /** When Vault's answer arrived, on the monotonic clock: the TTL counts from here. */
  issuedAt: number;
}

export interface ResolvedSecrets {
  /** Env name → value, in the order they should be applied. */
  values: Map<string, string>;
  /** Values read for a `${vault:...}` inside a longer value, to be masked on their own as well. */
  interpolated: string[];
  /** The values of `fileRefs` (files' references), by refKey, read with the env's in one read per path. */
  refValues: Map<string, string>;
  leases: Lease[];
  versions: SecretVersion[];
  /** Unleased reads --watch cannot compare (neither KV nor a database static role), by API path. */
  unwatchable: string[];
  /** Every answer by API path, so the next generation can keep what need not be read again. */
  reads: Map<string, PathRead>;
  locations: Map<string, SecretLocation>;
}

interface Mount {
  path: string;
  kvVersion: 1 | 2 | undefined;
  /** The secrets engine's type ("kv", "database", ...); undefined on servers without the lookup. */
  engine: string | undefined;
}

/** One answer from Vault: the data, and either its lease or (for unleased reads) its version. */
export interface PathRead {
  data: Record<string, unknown>;
  lease?: Lease;
  version?: SecretVersion;
}

export async function readSecrets(options: {
  client: VaultClient;
  token: string;
  mappings: SecretMapping[];
  imports: PathImport[];
  templates: EnvTemplate[];
  /** References that go to files, not the env: read with the rest, one read per path. */
  fileRefs?: SecretRef[];
  log: Logger;
  /** The generation before: its answers are kept, except for the API paths in `replace`. */
  previous?: ResolvedSecrets;
  replace?: ReadonlySet<string>;
  /**
   * Called with every lease the moment it is read, so that one the caller has to give back is never
   * lost, whatever happens to the other reads.
   */
  onLease?(lease: Lease): void;
  /** Once aborted (a stop signal), no further path is read. */
  signal?: AbortSignal;
  now?: Clock;
}): Promise<ResolvedSecrets> {
  const { client, token, mappings, imports, templates, log, previous } = options;
  const refs: SecretRef[] = [
    ...mappings.map((mapping) => mapping.ref),
    ...templates.flatMap((template) => template.parts.flatMap((part) => ('ref' in part ? [part.ref] : []))),
    ...(options.fileRefs ?? []),
  ];
  const typedPaths = unique([...refs.map((ref) => ref.path), ...imports.map((item) => item.path)]);

  const mounts: Mount[] = [];
  const locations = new Map<string, SecretLocation>();
  // Sequential on purpose: the first lookup under a mount answers for every later path under it.
  for (const typed of typedPaths) {
    locations.set(typed, previous?.locations.get(typed) ?? (await locate(client, token, typed, mounts)));
  }

  // The first location of each API path, found in one pass: a lookup per read keeps many paths linear.
  const locationByApiPath = new Map<string, SecretLocation>();
  for (const location of locations.values())
    if (!locationByApiPath.has(location.apiPath)) locationByApiPath.set(location.apiPath, location);
  const apiPaths = [...locationByApiPath.keys()];
  const kept = (apiPath: string): PathRead | undefined =>
    options.replace?.has(apiPath) ? undefined : previous?.reads.get(apiPath);
  const toRead = apiPaths.filter((apiPath) => kept(apiPath) === undefined);
  const fresh = await mapWithLimit(toRead, READ_CONCURRENCY, options.signal, async (apiPath) => {
    const location = locationByApiPath.get(apiPath)!;
    const read = await readPath(client, token, location, options.now ?? monotonicNow);
    if (read.lease) options.onLease?.(read.lease);
    // Recorded first, so the lease is revoked like any other a failed read minted.
    if (read.damagedTtl)
      throw new VaultUnavailableError(
        `reading ${location.typed} at ${client.address} failed: Vault answered a lease without a valid lease_duration (a damaged answer)`,
      );
    return read;
  });
  const readsByApiPath = new Map(toRead.map((apiPath, index) => [apiPath, fresh[index]!] as const));
  const dataByApiPath = new Map(
    apiPaths.map((apiPath) => [apiPath, kept(apiPath) ?? readsByApiPath.get(apiPath)!] as const),
  );
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
  const interpolated: string[] = [];
  for (const template of templates) {
    const parts = template.parts.map((part) => ('ref' in part ? valueOf(part.ref) : part.literal));
    if (template.parts.length > 1)
      template.parts.forEach((part, index) => 'ref' in part && interpolated.push(parts[index]!));
    values.set(template.name, parts.join(''));
  }
  for (const mapping of mappings) values.set(mapping.name, valueOf(mapping.ref));
  const refValues = new Map((options.fileRefs ?? []).map((ref) => [refKey(ref), valueOf(ref)] as const));
  for (const value of [...values.values(), ...interpolated, ...refValues.values()]) log.redact(value);

  const reads = [...dataByApiPath.values()];
  const leases = reads.flatMap((read) => (read.lease ? [read.lease] : []));
  const versions = reads.flatMap((read) => (read.version ? [read.version] : []));
  const unwatchable = [...dataByApiPath]
    .filter(([, read]) => !read.lease && !read.version)
    .map(([apiPath]) => apiPath);
  const keptCount = apiPaths.length - toRead.length;
  const forFiles =
    refValues.size > 0 ? ` and ${refValues.size} value${refValues.size === 1 ? '' : 's'} for files` : '';
  log.info(
    `read ${values.size} secret${values.size === 1 ? '' : 's'}${forFiles} from ${apiPaths.length} path${apiPaths.length === 1 ? '' : 's'}${keptCount > 0 ? ` (${toRead.length} read again, ${keptCount} kept)` : ''}`,
    {
      event: 'read',
      names: [...values.keys()].join(','),
    },
  );
  return {
    values,
    interpolated,
    refValues,
    leases,
    versions,
    unwatchable,
    reads: dataByApiPath,
    locations,
  };
}

/** Non-string values (numbers, booleans, objects) are passed on as JSON text. */
export function toEnvValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

async function locate(
  client: VaultClient,
  token: string,
  typed: string,
  mounts: Mount[],
): Promise<SecretLocation> {
  let mount = mounts.find((candidate) => `${typed}/`.startsWith(candidate.path));
  if (!mount) {
    const response = await sendOrGiveUp(
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
      return {
        typed,
        apiPath: typed,
        kvVersion: undefined,
        engine: undefined,
        mountPath: '',
        relative: typed,
      };
    const isKv = data.type === 'kv' || data.type === 'generic';
    mount = {
      path: data.path,
      kvVersion: isKv ? (String(data.options?.version ?? '1') === '2' ? 2 : 1) : undefined,
      engine: typeof data.type === 'string' ? data.type : undefined,
    };
    mounts.push(mount);
  }
  const relative = typed.slice(mount.path.length);
  const { kvVersion, engine, path: mountPath } = mount;
  if (kvVersion !== 2) return { typed, apiPath: typed, kvVersion, engine, mountPath, relative };
  const apiPath = relative.startsWith('data/') ? typed : `${mount.path}data/${relative}`;
  return { typed, apiPath, kvVersion: 2, engine, mountPath, relative };
}

async function readPath(
  client: VaultClient,
  token: string,
  location: SecretLocation,
  now: Clock,
): Promise<PathRead & { damagedTtl?: boolean }> {
  const { typed, apiPath } = location;
  const shown = typed === apiPath ? typed : `${typed} (${apiPath})`;
  const response = await sendOrGiveUp(
    client,
    () => client.request('GET', apiPath, { token }),
    `reading ${shown}`,
  );
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
  // A lease without a usable TTL is a damaged answer, not one that never expires (it would never be renewed).
  const ttlSeconds = parseTtlSeconds(body.lease_duration);
  const lease =
    leaseId === ''
      ? undefined
      : {
          id: leaseId,
          path: apiPath,
          ttlSeconds: ttlSeconds ?? 0,
          renewable: body.renewable === true,
          issuedAt: now(),
        };
  // Dynamic secrets are never re-read to look for changes: each read would mint new credentials.
  return lease
    ? { data: record, lease, damagedTtl: ttlSeconds === undefined }
    : { data: record, version: versionOf(location, body) };
}

/**
 * A few at a time. After a failure (or an abort) no new item is started, and the failure is thrown
 * only once every item in flight has settled: a read still running could mint a lease, and the
 * caller must have been told of it before it gives up and cleans up.
 */
async function mapWithLimit<T, R>(
  items: T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed && !signal?.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  signal?.throwIfAborted();
  return results;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Turns a secret's key into an env name: upper-case, other characters to "_", never a leading digit. */
export function keyToEnvName(prefix: string, key: string): string {
  const name = `${prefix}${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
  return /^[0-9]/.test(name) || name === '' ? `_${name}` : name;
}
