#!/usr/bin/env node
// Moves the secrets of a .env file into Vault (KV v2), by an explicit mapping of NAME → PATH#KEY.
//
//   node vault/migrate.mjs --env-file .env --map vault/migration-map.example.json --dry-run
//   node vault/migrate.mjs --env-file .env --map vault/migration-map.example.json [--force]
//                          [--project-file vault-exec.yaml]
//
// Besides the secrets it writes a vault-exec project file (by default vault-exec.yaml next to the
// .env file) holding the references to what it migrated, never a value, so that afterwards
// `vault-exec run -- <app>` gives the app the same variables from Vault.
//
// VAULT_ADDR and VAULT_TOKEN (a token with the project's admin policy, vault/policies/admin.hcl)
// come from the environment, never from flags. VAULT_NAMESPACE is honoured; for a private CA set
// NODE_EXTRA_CA_CERTS to Vault's CA file (Node's fetch trusts it).
//
// Guarantees, because this runs against real secrets, often in CI logs:
// - It prints names, paths and keys, never a value (not even in errors: Vault's messages hold none).
// - It refuses to replace an existing secret or project file unless --force; then nothing at all is written. Even
//   without a race, the write itself carries cas=0 ("create only"), so Vault enforces it too.
// - Everything is checked before the first write: a typo in the mapping writes nothing.
// - --force writes a new version holding exactly the mapped keys; older versions stay, so
//   `vault kv rollback` undoes it (vault/README.md, "Rollback").
// Paths use the same syntax as vault-exec's --secret: CLI-style `secret/app/db#password`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';

const USAGE =
  'usage: node vault/migrate.mjs --env-file FILE --map MAPPING.json [--project-file FILE] [--dry-run] [--force]';
const PROJECT_FILE_NAME = 'vault-exec.yaml';
const REQUEST_TIMEOUT_MS = 10_000;

class UsageError extends Error {}

async function main() {
  const { values: flags } = parseArgs({
    options: {
      'env-file': { type: 'string' },
      map: { type: 'string' },
      'project-file': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (flags.help) return console.log(USAGE);
  if (!flags['env-file'] || !flags.map) throw new UsageError(USAGE);

  const env = parseEnv(readText(flags['env-file']));
  const plan = buildPlan(env, readMapping(flags.map));
  const vault = connect(flags['dry-run']);
  const projectFile = resolve(flags['project-file'] ?? join(dirname(flags['env-file']), PROJECT_FILE_NAME));
  const projectText = renderProjectFile(plan, flags['env-file'], projectFile);

  if (vault) {
    for (const target of plan.targets) Object.assign(target, await inspect(vault, target.path));
  }
  printPlan(plan, flags);
  printProjectFile(projectFile, projectText, flags);
  if (flags['dry-run']) return;

  const existing = plan.targets.filter((target) => target.exists).map((target) => target.path);
  if (existsSync(projectFile)) existing.push(shown(projectFile));
  if (existing.length > 0 && !flags.force) {
    console.error(
      `migrate: refusing to overwrite ${existing.join(', ')}; nothing was written. ` +
        'Check them (`vault kv get`, the file), then re-run with --force to write a new version (the old one stays for rollback).',
    );
    return 1;
  }
  for (const target of plan.targets) {
    const data = Object.fromEntries(target.entries.map(({ name, key }) => [key, env[name]]));
    const body = { data, options: target.exists ? {} : { cas: 0 } };
    const response = await vault.request('POST', `${target.mount}data/${target.relative}`, body);
    console.log(
      `migrate: wrote ${target.path} (version ${response.data?.version ?? '?'}): ${keysOf(target)}`,
    );
  }
  writeFileSync(projectFile, projectText, { flag: flags.force ? 'w' : 'wx' });
  console.log(`migrate: wrote ${shown(projectFile)}: references only, no values`);
  console.log(
    'migrate: done. Check with `vault-exec check`, then run the app with `vault-exec run -- <app>` (it reads the project file), or with these flags; then delete the .env (or keep it as the development fallback):',
  );
  for (const target of plan.targets) {
    for (const { name, key } of target.entries) console.log(`  --secret ${name}=${target.path}#${key}`);
  }
}

/** Groups the mapping by path (one write per path) and checks it against the .env file's names. */
function buildPlan(env, mapping) {
  const missing = Object.keys(mapping).filter((name) => !(name in env));
  if (missing.length > 0)
    throw new UsageError(`the mapping names variables the .env file does not have: ${missing.join(', ')}`);

  const byPath = new Map();
  const seen = new Map();
  for (const [name, reference] of Object.entries(mapping)) {
    const match = /^([^#\s]+[^/#\s])#([^#\s]+)$/.exec(String(reference));
    if (!match)
      throw new UsageError(
        `${name}: "${reference}" is not PATH#KEY (for example secret/app/dev/database#password)`,
      );
    const path = match[1].replace(/^\/+/, '');
    const key = match[2];
    if (seen.has(`${path}#${key}`))
      throw new UsageError(`${seen.get(`${path}#${key}`)} and ${name} both map to ${path}#${key}`);
    seen.set(`${path}#${key}`, name);
    byPath.set(path, [...(byPath.get(path) ?? []), { name, key }]);
  }
  const unmapped = Object.keys(env)
    .filter((name) => !(name in mapping))
    .sort();
  // A DATABASE_URL left behind often embeds a migrated password: name it (never the value).
  const embedding = unmapped
    .map((name) => ({
      name,
      contains: Object.keys(mapping).filter(
        (secret) => env[secret].length >= 8 && env[name].includes(env[secret]),
      ),
    }))
    .filter(({ contains }) => contains.length > 0);
  return { targets: [...byPath].map(([path, entries]) => ({ path, entries })), unmapped, embedding };
}

function printPlan(plan, flags) {
  const verb = flags['dry-run'] ? 'would write' : 'will write';
  for (const target of plan.targets) {
    const state =
      target.exists === undefined
        ? 'not checked: no VAULT_TOKEN'
        : !target.exists
          ? 'new'
          : flags.force
            ? 'exists: new version (--force)'
            : 'exists: refused without --force';
    console.log(`migrate: ${verb} ${target.path} [${state}]: ${keysOf(target)}`);
  }
  if (plan.unmapped.length > 0)
    console.log(`migrate: left in the .env file (no mapping): ${plan.unmapped.join(', ')}`);
  for (const { name, contains } of plan.embedding) {
    console.log(
      `migrate: warning: ${name} contains the value of ${contains.join(', ')}; build it with \${vault:PATH#KEY} references instead of keeping it`,
    );
  }
}

/**
 * The project file: the same NAME=PATH#KEY references as the printed flags, as a YAML list. Each entry
 * is written as a JSON string, which YAML reads as a double-quoted scalar, so no YAML library is needed.
 */
function renderProjectFile(plan, envFile, projectFile) {
  const nearby = relative(dirname(projectFile), resolve(envFile));
  const fallback = nearby.startsWith('..') ? resolve(envFile) : nearby;
  const lines = [
    `# vault-exec project file, written by vault/migrate.mjs from ${basename(envFile)}.`,
    '# References only (NAME=PATH#KEY): the values are in Vault, never here. `vault-exec run -- <app>`',
    '# reads this file; the container form (`vault-exec -- <app>`) reads it only with --config.',
    '# To keep the old .env as the development-only fallback while Vault is down, uncomment:',
    `# fallback-env: ${fallback}`,
    'secret:',
  ];
  for (const target of plan.targets)
    for (const { name, key } of target.entries)
      lines.push(`  - ${JSON.stringify(`${name}=${target.path}#${key}`)}`);
  return `${lines.join('\n')}\n`;
}

function printProjectFile(projectFile, text, flags) {
  const verb = flags['dry-run'] ? 'would write' : 'will write';
  const state = !existsSync(projectFile)
    ? 'new'
    : flags.force
      ? 'exists: replaced (--force)'
      : 'exists: refused without --force';
  console.log(`migrate: ${verb} ${shown(projectFile)} [${state}]:`);
  for (const line of text.trimEnd().split('\n')) console.log(`  | ${line}`);
}

const shown = (file) => relative(process.cwd(), file) || file;

const keysOf = (target) => target.entries.map(({ name, key }) => `${key} <- ${name}`).join(', ');

/** Learns the path's mount and KV version as `vault kv` does, and whether a secret exists there. */
async function inspect(vault, path) {
  const mount = await vault.request('GET', `sys/internal/ui/mounts/${path}`);
  const mountPath = mount.data?.path ?? '';
  const version = mount.data?.options?.version;
  if (mount.data?.type !== 'kv' || version !== '2') {
    // KV v1 has neither check-and-set nor versions, so neither the overwrite guard nor rollback would hold.
    throw new Error(
      `${path} is not on a KV v2 mount (found ${mount.data?.type ?? 'nothing'} ${version ? `v${version}` : ''} at "${mountPath}")`,
    );
  }
  const relative = path.slice(mountPath.length);
  // Metadata tells existence without reading the value. A soft-deleted secret counts as existing.
  const metadata = await vault.request('GET', `${mountPath}metadata/${relative}`, undefined, [404]);
  return { mount: mountPath, relative, exists: metadata !== undefined };
}

/** A minimal Vault client on fetch. Returns undefined for an accepted "absent" status (e.g. 404). */
function connect(dryRun) {
  const addr = process.env.VAULT_ADDR?.replace(/\/+$/, '');
  const token = process.env.VAULT_TOKEN?.trim() || readOptional(join(homedir(), '.vault-token'));
  if (!addr || !token) {
    if (dryRun) return undefined; // an offline dry run still checks the mapping against the .env file
    throw new UsageError('set VAULT_ADDR and VAULT_TOKEN (a token with the project admin policy)');
  }
  const headers = { 'X-Vault-Token': token, 'Content-Type': 'application/json' };
  if (process.env.VAULT_NAMESPACE) headers['X-Vault-Namespace'] = process.env.VAULT_NAMESPACE;
  return {
    async request(method, path, body, absent = []) {
      const url = `${addr}/v1/${path.split('/').map(encodeURIComponent).join('/')}`;
      const response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }).catch((error) => {
        throw new Error(`${method} ${path} at ${addr}: ${error.cause?.code ?? error.message}`);
      });
      const text = await response.text();
      if (absent.includes(response.status)) return undefined;
      if (!response.ok) {
        const errors = safeJson(text)?.errors?.join('; ') || text.slice(0, 200);
        throw new Error(`${method} ${path} at ${addr}: HTTP ${response.status}: ${errors}`);
      }
      return text === '' ? {} : (safeJson(text) ?? {});
    },
  };
}

function readMapping(file) {
  const mapping = safeJson(readText(file));
  if (mapping === undefined || typeof mapping !== 'object' || Array.isArray(mapping)) {
    throw new UsageError(`${file}: expected a JSON object of NAME: "PATH#KEY"`);
  }
  return mapping;
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error.code ?? error.message}`);
  }
}

function readOptional(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

main().then(
  (code) => process.exit(code ?? 0),
  (error) => {
    console.error(`migrate: ${error.message}`);
    process.exit(error instanceof UsageError || error.code?.startsWith('ERR_PARSE_ARGS') ? 64 : 1);
  },
);
