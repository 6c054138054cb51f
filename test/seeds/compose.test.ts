// docker-compose.yml must be a valid Compose file without a Docker engine on this machine: the
// Compose Specification's JSON schema (shipped inside check-jsonschema, so nothing is downloaded),
// plus the checks a schema cannot make: references between services and volumes, and the rules of
// issue 5 (init, completed init, credentials from files, no literal secrets).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { pythonEnv, repoRoot, run } from './helpers';

const composeFile = join(repoRoot, 'docker-compose.yml');
const DEV_DB_PASSWORD = 'dev-only-postgres-password';
const CREDS_PATH = 'database/creds/saas-project-dev';
let venv: string;
let compose: any;

beforeAll(async () => {
  venv = pythonEnv();
  // The venv's YAML parser (ruamel.yaml, a check-jsonschema dependency) turns the file into JSON for TS.
  const toJson =
    'import json, sys; from ruamel.yaml import YAML; print(json.dumps(YAML(typ="safe").load(open(sys.argv[1]))))';
  const parsed = await run(join(venv, 'bin/python'), ['-c', toJson, composeFile], {});
  expect(parsed.code, parsed.stderr).toBe(0);
  compose = JSON.parse(parsed.stdout);
});

test('docker-compose.yml validates against the Compose Specification schema', async () => {
  const result = await run(
    join(venv, 'bin/check-jsonschema'),
    ['--builtin-schema', 'vendor.compose-spec', composeFile],
    {},
  );
  expect(result.code, result.stdout + result.stderr).toBe(0);
});

test('every depends_on names a service and every named volume is declared', () => {
  const services = Object.keys(compose.services);
  for (const [name, service] of Object.entries<any>(compose.services)) {
    for (const dependency of Object.keys(service.depends_on ?? {}))
      expect(services, `${name} depends on ${dependency}`).toContain(dependency);
    for (const volume of service.volumes ?? []) {
      const source = String(volume).split(':')[0]!;
      if (!source.startsWith('.') && !source.startsWith('/'))
        expect(Object.keys(compose.volumes ?? {}), `${name} uses ${source}`).toContain(source);
    }
  }
});

test('the apps run behind an init, after vault-init completed, with credentials from the shared volume', () => {
  for (const name of ['node-app', 'flask-app']) {
    const service = compose.services[name];
    expect(service.init, name).toBe(true);
    // The image starts as root; vault-exec runs the app as its own user, who cannot read the credentials.
    expect(service.environment.VAULT_EXEC_USER, name).toMatch(/^(node|app)$/);
    expect(service.depends_on['vault-init'], name).toEqual({ condition: 'service_completed_successfully' });
    expect(service.environment.VAULT_EXEC_ROLE_ID_FILE, name).toBe('/approle/role-id');
    expect(service.environment.VAULT_EXEC_SECRET_ID_FILE, name).toBe('/approle/secret-id');
    expect(service.volumes, name).toContain('approle:/approle:ro');
    // Credentials never appear as values: no role/secret ids, no tokens in the app's environment.
    for (const variable of ['VAULT_ROLE_ID', 'VAULT_SECRET_ID', 'VAULT_TOKEN'])
      expect(service.environment[variable], `${name} ${variable}`).toBeUndefined();
  }
  expect(compose.services['vault-init'].depends_on.vault).toEqual({ condition: 'service_healthy' });
  expect(compose.services.vault.healthcheck.test).toBeDefined();
});

test('the only secret-looking literal is the documented dev database password; no root token is written', () => {
  const text = readFileSync(composeFile, 'utf8');
  // Vault is not a dev server: vault-init initialises it and keeps its root token in a volume.
  expect(JSON.stringify(compose.services.vault)).not.toMatch(/-dev|VAULT_DEV_/);
  expect(compose.services['vault-init'].environment.VAULT_TOKEN).toBeUndefined();
  expect(text).not.toMatch(/root-token-id|dev-only-root-token/);
  // The database password goes to the database and to vault-init (for Vault), never to an app.
  const holders = Object.entries<any>(compose.services)
    .filter(([, service]) => JSON.stringify(service).includes(DEV_DB_PASSWORD))
    .map(([name]) => name);
  expect(holders.sort()).toEqual(['db', 'vault-init']);
  // What the seeds had before: default credentials and Vault tokens or ids written into the file.
  for (const pattern of [
    /postgres:postgres/i,
    /minioadmin/i,
    /\bhv[sb]\.[A-Za-z0-9]/,
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
  ]) {
    expect(text).not.toMatch(pattern);
  }
  // Every value that names a secret is a vault: reference, not the secret itself.
  for (const name of ['node-app', 'flask-app']) {
    for (const [variable, value] of Object.entries<string>(compose.services[name].environment)) {
      if (/SECRET|PASSWORD|TOKEN|KEY/.test(variable) && !variable.startsWith('VAULT_EXEC_'))
        expect(value, `${name} ${variable}`).toMatch(/^vault:/);
    }
  }
});

test('Vault keeps its data in a volume and unseals itself with the key vault-init keeps in another (dev only)', () => {
  const vault = compose.services.vault;
  const init = compose.services['vault-init'];
  expect(vault.entrypoint).toEqual(['/bin/sh', '/opt/vault-server/server.sh']);
  expect(vault.volumes).toEqual(
    expect.arrayContaining([
      './vault:/opt/vault-server:ro',
      'vault-data:/vault/file',
      'vault-keys:/vault/keys:ro',
    ]),
  );
  expect(init.volumes).toContain('vault-keys:/vault/keys');
  expect(init.environment.DEV_KEYS_DIR).toBe('/vault/keys');
  // The apps never see the unseal key or the root token.
  for (const name of ['node-app', 'flask-app'])
    expect(JSON.stringify(compose.services[name].volumes), name).not.toMatch(/vault-keys|vault-data/);
});

test('the apps get a dynamic database user: one creds path for DATABASE_URL, from a db that Vault administers', () => {
  const db = compose.services.db;
  expect(db.image).toMatch(/^postgres:/);
  expect(db.healthcheck.test).toContain('pg_isready');
  for (const port of db.ports ?? []) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
  const init = compose.services['vault-init'];
  expect(init.depends_on.db).toEqual({ condition: 'service_healthy' });
  expect(init.environment.DB_CONNECTION_URL).toBe(
    'postgresql://{{username}}:{{password}}@db:5432/saas?sslmode=disable',
  );
  for (const name of ['node-app', 'flask-app']) {
    const url: string = compose.services[name].environment.DATABASE_URL;
    // Compose turns $$ into $; what vault-exec sees reads the one path for both parts.
    const paths = [...url.matchAll(/\$\$\{vault:([^#}]+)#(username|password)\}/g)].map((match) => match[1]);
    expect(paths, name).toEqual([CREDS_PATH, CREDS_PATH]);
    expect(url, name).toMatch(/@db:5432\/saas$/);
  }
});
