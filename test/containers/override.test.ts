// The tests' compose override may change image names and networking only (issue 15): anything else
// it changed would make `docker compose up` in the tests differ from what the README documents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../seeds/helpers';

// Compose's `!reset` tag (drop the value of the file below) is read as the plain sequence it tags.
const reset = { tag: '!reset', collection: 'seq' as const, resolve: (value: unknown) => value };
const override = parse(readFileSync(join(repoRoot, 'test/containers/compose.override.yml'), 'utf8'), {
  merge: true,
  customTags: [reset],
});
const original = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'));

const NETWORKING = new Set(['network_mode', 'extra_hosts', 'ports']);
// Listen addresses only: loopback instead of every interface, now that they are the host's.
const LISTEN_VARIABLES = new Set(['HOST', 'VAULT_LISTEN_ADDRESS', 'LISTEN_ADDRESSES']);

test('the override names only services of docker-compose.yml', () => {
  expect(Object.keys(override.services).sort()).toEqual(Object.keys(original.services).sort());
});

test('the override changes image names and networking only, and keeps everything on loopback', () => {
  for (const [name, service] of Object.entries<any>(override.services)) {
    for (const key of Object.keys(service)) {
      if (key === 'image') expect(service.image, name).toMatch(/^localhost\/vault-exec-test\//);
      else if (key === 'environment')
        for (const [variable, value] of Object.entries(service.environment)) {
          expect(LISTEN_VARIABLES.has(variable), `${name}: ${variable}`).toBe(true);
          expect(String(value), `${name}: ${variable}`).toMatch(/^127\.0\.0\.1(:\d+)?$/);
        }
      else expect(NETWORKING.has(key), `${name}: ${key}`).toBe(true);
    }
    expect(service.network_mode, name).toBe('host');
    for (const entry of service.extra_hosts) expect(entry, name).toMatch(/:127\.0\.0\.1$/);
  }
});
