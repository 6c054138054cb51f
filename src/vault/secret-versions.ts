// Which version of an unleased secret the child got, for --watch to compare against, and how to read
// it again (without the values where the policy allows) to see whether it changed.
import { vaultMessage, type VaultClient, type VaultResponse } from './http/client';
import { VaultTransportError } from './http/transport-error';
import type { SecretLocation } from './secret-location';

/**
 * Only answers that stay the same until someone changes the secret can be compared: a KV v2 version
 * number, KV v1 data, and a database static role's last rotation. A static-creds answer also carries a
 * `ttl` that counts down, and other engines mint something new on every read, so hashing a whole answer
 * would see a change every time.
 */
export interface SecretVersion {
  apiPath: string;
  kind: 'kv2' | 'kv1' | 'static-role';
  /** "v<version>", "rotated <time>", or a hash (never logged: it would help guess values). */
  fingerprint: string;
  /**
   * KV v2: where the version can be read without the values (`<mount>/metadata/<path>`). Cleared
   * when the policy does not allow it; the data path is read instead.
   */
  metadataPath?: string;
}

interface Answer {
  data?: {
    metadata?: { version?: unknown };
    data?: unknown;
    last_vault_rotation?: unknown;
    password?: unknown;
  } & Record<string, unknown>;
}

/** The version of an answer read at `location`, or undefined when --watch cannot compare it. */
export function versionOf(location: SecretLocation, body: Answer): SecretVersion | undefined {
  const kind = kindOf(location);
  if (kind === undefined) return undefined;
  const version: SecretVersion = { apiPath: location.apiPath, kind, fingerprint: fingerprintOf(kind, body) };
  const dataPrefix = `${location.mountPath}data/`;
  if (kind === 'kv2' && location.mountPath !== '' && location.apiPath.startsWith(dataPrefix))
    version.metadataPath = `${location.mountPath}metadata/${location.apiPath.slice(dataPrefix.length)}`;
  return version;
}

function kindOf(location: SecretLocation): SecretVersion['kind'] | undefined {
  if (location.kvVersion === 2) return 'kv2';
  if (location.kvVersion === 1) return 'kv1';
  const staticRole = /^static-creds\/[^/]+$/.test(location.relative);
  if (staticRole && (location.engine === 'database' || location.engine === undefined)) return 'static-role';
  // Servers without the mount lookup: read as KV v1, as the Vault CLI does.
  return location.engine === undefined ? 'kv1' : undefined;
}

export function fingerprintOf(kind: SecretVersion['kind'], body: Answer): string {
  if (kind === 'kv2') return `v${String(body.data?.metadata?.version)}`;
  if (kind === 'static-role') {
    const rotated = body.data?.last_vault_rotation;
    if (typeof rotated === 'string' && rotated !== '') return `rotated ${rotated}`;
    return hash(body.data?.password ?? null);
  }
  return hash(body.data ?? null);
}

/** A human-readable note on what changed, without values: "(version 1 → 2)", "(rotated)". */
export function describeChange(before: SecretVersion, after: string): string {
  if (before.kind === 'kv2') return ` (version ${before.fingerprint.slice(1)} → ${after.slice(1)})`;
  if (before.kind === 'static-role') return ' (the static role was rotated)';
  return '';
}

/** What a check read: the current fingerprint, or why it could not be read right now. */
export type FingerprintRead = { fingerprint: string } | { unreadable: string };

/**
 * The current fingerprint, or why it cannot be read right now (a watch must not stop a running
 * service over a passing fault or a permission change). KV v2 asks the metadata first, so a check
 * does not fetch the values; a policy without read on the metadata falls back to the data.
 */
export async function readFingerprint(
  client: VaultClient,
  token: string,
  version: SecretVersion,
): Promise<FingerprintRead> {
  try {
    if (version.metadataPath !== undefined) {
      const response = await client.request('GET', version.metadataPath, { token });
      const current = response.body?.data?.current_version;
      if (response.status === 200 && current !== undefined) return { fingerprint: `v${String(current)}` };
      if (response.status === 403) version.metadataPath = undefined;
      else return { unreadable: describeAnswer(response) };
    }
    const response = await client.request('GET', version.apiPath, { token });
    return response.status === 200
      ? { fingerprint: fingerprintOf(version.kind, response.body) }
      : { unreadable: describeAnswer(response) };
  } catch (error) {
    return {
      unreadable: error instanceof VaultTransportError ? error.reason : 'the request failed unexpectedly',
    };
  }
}

/** Vault's own words and the status ("Vault is sealed (HTTP 503)"); never the body's data. */
function describeAnswer(response: VaultResponse): string {
  const message = vaultMessage(response);
  return message === `HTTP ${response.status}` ? message : `${message} (HTTP ${response.status})`;
}

function hash(value: unknown): string {
  // node:crypto is loaded here, where hashing happens, not at every start.
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
