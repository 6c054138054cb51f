// --watch through a Vault outage (down, then sealed, then back): what vault-exec says, on fake timers.
// The client is scripted per request: a transport failure, a 503, or the secret's current version.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { watchSecrets } from '../../../src/running/secret-watch';
import { createLogger } from '../../../src/util/log';
import type { VaultClient, VaultResponse } from '../../../src/vault/http/client';
import { VaultTransportError } from '../../../src/vault/http/transport-error';
import type { SecretVersion } from '../../../src/vault/secret-versions';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

type State = 'up' | 'down' | 'sealed';

/** Answers every request as Vault in `state` would: the metadata of version 1, or a failure. */
function scriptedClient() {
  const client = {
    address: 'http://vault.test:8200',
    state: 'up' as State,
    async request(): Promise<VaultResponse> {
      if (client.state === 'down') throw new VaultTransportError('connection refused', 'ECONNREFUSED');
      if (client.state === 'sealed') return { status: 503, body: { errors: ['Vault is sealed'] } };
      return { status: 200, body: { data: { current_version: 1 } } };
    },
  } satisfies VaultClient & { state: State };
  return client;
}

function watch(paths: string[]) {
  const lines: string[] = [];
  // JSON lines, told back as "<level> <event>: <message>", so the level and the event are checked too.
  const write = (line: string) => {
    const { level, event, msg } = JSON.parse(line);
    lines.push(`${level}${event ? ` ${event}` : ''}: ${msg}`);
  };
  const log = createLogger({ level: 'debug', format: 'json', write });
  const client = scriptedClient();
  const versions: SecretVersion[] = paths.map((path) => ({
    apiPath: `secret/data/${path}`,
    kind: 'kv2',
    fingerprint: 'v1',
    metadataPath: `secret/metadata/${path}`,
  }));
  const onChange = vi.fn(async () => true);
  const stop = watchSecrets({ client, token: () => 'token', versions, intervalMs: 30_000, log, onChange });
  /** The lines logged during the next `checks` checks, without the "no change" ones. */
  const next = async (checks: number): Promise<string[]> => {
    const from = lines.length;
    await vi.advanceTimersByTimeAsync(checks * 30_000);
    return lines.slice(from).filter((line) => !line.includes('no change'));
  };
  return { client, next, stop, onChange };
}

test('the first failed check of a streak is one warning naming the path and the reason; the rest are debug', async () => {
  const { client, next, stop, onChange } = watch(['app/jwt']);
  expect(await next(1)).toEqual([]);
  client.state = 'down';
  expect(await next(1)).toEqual([
    'warn watch-failed: could not check secret/data/app/jwt for changes: connection refused; the child keeps running, and vault-exec tries again every 30 s',
  ]);
  client.state = 'sealed';
  expect(await next(3)).toEqual(
    Array(3).fill(
      'debug: could not check secret/data/app/jwt for changes: Vault is sealed (HTTP 503); trying again in 30 s',
    ),
  );
  client.state = 'up';
  expect(await next(1)).toEqual([
    'info watch-recovered: the watched secrets can be checked again, after 4 failed checks',
  ]);
  expect(await next(2)).toEqual([]);
  // A new streak is told again, at warn.
  client.state = 'sealed';
  expect(await next(1)).toEqual([
    'warn watch-failed: could not check secret/data/app/jwt for changes: Vault is sealed (HTTP 503); the child keeps running, and vault-exec tries again every 30 s',
  ]);
  stop();
  expect(onChange).not.toHaveBeenCalled();
});

test('several unreadable paths give one warning that counts the others, which go to debug', async () => {
  const { client, next, stop } = watch(['app/jwt', 'app/flask', 'app/storage']);
  client.state = 'sealed';
  const lines = await next(1);
  stop();
  expect(lines.filter((line) => line.startsWith('warn'))).toEqual([
    'warn watch-failed: could not check secret/data/app/jwt for changes: Vault is sealed (HTTP 503) (and 2 other paths); the child keeps running, and vault-exec tries again every 30 s',
  ]);
  expect(lines.filter((line) => line.startsWith('debug'))).toHaveLength(2);
});
