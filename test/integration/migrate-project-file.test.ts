// vault/migrate.mjs ends in a project file: after migrating a .env file into Vault, `vault-exec run`
// in that directory reproduces the migrated variables exactly, from Vault, with no flags.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, expect, test } from 'vitest';
import { childEnvFrom, leakedSecrets, secretValue } from '../support/app-role';
import { createDevProject, type DevProject } from '../support/dev-project';
import { fixture, killAllStarted, runCli, runNode } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

const vault = useVaultServer();
const migrateScript = join(import.meta.dirname, '../../vault/migrate.mjs');
let project: DevProject;
afterEach(() => {
  killAllStarted();
  project?.remove();
});

// Quotes of both kinds, "#" inside and after values, `export`, and a multi-line value.
const password = secretValue('pw');
const ENV_FILE = [
  '# the team .env before the migration',
  `export DB_PASSWORD="${password} # not a comment"`,
  'DB_USER=app # a comment',
  `JWT_SECRET='single "quoted" ${secretValue('jwt')}'`,
  `TLS_KEY="-----BEGIN KEY-----`,
  `${secretValue('key-line')}`,
  `-----END KEY-----"`,
  'ESCAPED="tab\\tand newline\\n"',
  'PORT=3000',
  '',
].join('\n');
const MAPPING = {
  DB_PASSWORD: 'secret/migrated/db#password',
  DB_USER: 'secret/migrated/db#username',
  JWT_SECRET: 'secret/migrated/jwt#secret',
  TLS_KEY: 'secret/migrated/tls#key',
  ESCAPED: 'secret/migrated/misc#escaped',
};

const migrate = (...flags: string[]) =>
  runNode([migrateScript, '--env-file', '.env', '--map', 'map.json', ...flags], {
    cwd: project.repo,
    env: project.env({ VAULT_ADDR: vault().addr, VAULT_TOKEN: vault().rootToken }),
  });

test('migrate writes a project file of references that run uses to reproduce the .env exactly', async () => {
  project = createDevProject();
  project.write('.env', ENV_FILE);
  project.write('map.json', JSON.stringify(MAPPING));
  const original = parseEnv(ENV_FILE) as Record<string, string>;
  // DB_USER ("app") is too common a word to search for; every other value is unique.
  const values = Object.keys(MAPPING)
    .filter((name) => name !== 'DB_USER')
    .map((name) => original[name]!);
  const projectFile = join(project.repo, 'vault-exec.yaml');

  const dry = await migrate('--dry-run');
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toContain('migrate: would write vault-exec.yaml [new]:');
  expect(dry.stdout).toContain('  |   - "DB_PASSWORD=secret/migrated/db#password"');
  expect(existsSync(projectFile)).toBe(false);

  const real = await migrate();
  expect(real.code, real.stderr).toBe(0);
  expect(real.stdout).toContain('migrate: wrote vault-exec.yaml: references only, no values');
  const written = readFileSync(projectFile, 'utf8');
  expect(leakedSecrets(written + real.stdout + dry.stdout, values)).toEqual([]);
  expect(written).toContain('# fallback-env: .env');

  // A developer's shell after `vault login`: the address and a token, no flags at all.
  const result = await runCli(['run', '--', 'node', fixture('print-env.mjs')], {
    cwd: project.repo,
    env: project.env({ VAULT_ADDR: vault().addr, VAULT_TOKEN: vault().rootToken }),
  });
  expect(result.code, result.stderr).toBe(0);
  const env = childEnvFrom(result.stdout);
  for (const name of Object.keys(MAPPING)) expect(env[name], name).toBe(original[name]);
  expect(original.TLS_KEY).toContain('\n');
  expect(original.DB_PASSWORD).toContain('#');

  const check = await runCli(['check'], {
    cwd: project.repo,
    env: project.env({ VAULT_ADDR: vault().addr, VAULT_TOKEN: vault().rootToken }),
  });
  expect(check.code, check.stderr).toBe(0);
  expect(check.stdout.trim().split('\n').sort()).toEqual(Object.keys(MAPPING).sort());
});

test('migrate refuses to overwrite an existing project file without --force, and writes nothing', async () => {
  project = createDevProject();
  project.write('.env', 'API_KEY=local-only-value\n');
  project.write('map.json', JSON.stringify({ API_KEY: 'secret/refuse/api#key' }));
  project.write('vault-exec.yaml', '# hand-written\n');

  const refused = await migrate();
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('refusing to overwrite vault-exec.yaml; nothing was written');
  expect(readFileSync(join(project.repo, 'vault-exec.yaml'), 'utf8')).toBe('# hand-written\n');
  expect((await vault().admin.request('GET', 'secret/metadata/refuse/api')).status).toBe(404);

  const forced = await migrate('--force');
  expect(forced.code, forced.stderr).toBe(0);
  expect(readFileSync(join(project.repo, 'vault-exec.yaml'), 'utf8')).toContain(
    'API_KEY=secret/refuse/api#key',
  );
});
