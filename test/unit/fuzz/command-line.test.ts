// Fuzzed whole command lines: random argv (flags, flag=value, env twins, stray words, "run", "--")
// and a random environment (twins, credentials, TLS variables, vault: references). parseCommandLine
// either gives a run, a check or an exit (--help, --version), or throws a one-line UsageError; nothing else.
// A run round-trips: its Config written back as flags and env parses to the same Config.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { configFromArgv } from '../../support/config-from-argv';
import type { Config } from '../../../src/cli/config';
import type { TemplatePart } from '../../../src/cli/secret-references';
import {
  PARAMS,
  TIMEOUT_MS,
  anyText,
  attempt,
  nearEnvName,
  nearPath,
  reportCounts,
  tried,
  validEnvName,
  validKey,
  validPath,
} from './fuzz-support';

reportCounts('command-line');

// Credential files come from a fixed set: the parser really reads them, so fuzzed paths must not
// point at FIFOs or devices. HOME points nowhere, so ~/.vault-token is never the developer's.
const dir = mkdtempSync(join(tmpdir(), 'vault-exec-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = {
  roleId: join(dir, 'role-id'),
  secretId: join(dir, 'secret-id'),
  empty: join(dir, 'empty'),
  blank: join(dir, 'blank'),
  missing: join(dir, 'missing'),
  directory: join(dir, 'directory'),
};
writeFileSync(files.roleId, 'fuzz-role-id\n');
writeFileSync(files.secretId, '  fuzz-secret-id  \n');
writeFileSync(files.empty, '');
writeFileSync(files.blank, ' \n\t\n');
mkdirSync(files.directory);
const HOME = join(dir, 'no-home');

/**
 * Generators for one argv + env pair. `wild` mixes junk into every value, stray words and bad flags
 * into argv; tidy inputs use only plausible values, so a good share parse and exercise the round trip.
 */
function commandLine(wild: boolean): fc.Arbitrary<[string[], Record<string, string | undefined>]> {
  const either = (valid: fc.Arbitrary<string>, junk: fc.Arbitrary<string>) =>
    wild ? fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: junk }) : valid;
  const filePath = wild
    ? fc.constantFrom(...Object.values(files))
    : fc.constantFrom(files.roleId, files.secretId);
  const duration = either(
    fc.constantFrom('10s', '500ms', '1m30s', '2', '0', '0s', '1.5', ' 3s ', '2h', '250ms1s'),
    anyText(8),
  );
  const booleanValue = either(
    fc.constantFrom('true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ' TRUE ', ''),
    anyText(6),
  );
  const address = either(
    fc.constantFrom(
      'http://127.0.0.1:8200',
      'https://vault.example.com:8200/',
      'https://vault:8200//',
      'http://[::1]:8200',
      'https://vault/prefix/',
      ' http://x ',
    ),
    fc.oneof(fc.constantFrom('ftp://vault', 'vault:8200', ''), anyText(12)),
  );
  const mapping = either(
    fc
      .tuple(
        validEnvName,
        validPath,
        validKey.filter((key) => !/[\s,]/.test(key)),
      )
      .map(([name, path, key]) => `${name}=${path}#${key}`),
    fc.oneof(
      fc
        .tuple(
          nearEnvName,
          fc.constantFrom('=', ''),
          nearPath,
          fc.constantFrom('#', ''),
          fc.oneof(validKey, fc.constant('')),
        )
        .map((parts) => parts.join('')),
      anyText(20),
    ),
  );
  const pathImport = either(
    fc
      .tuple(
        fc.oneof(
          fc.constant(''),
          validEnvName.map((name) => `${name}=`),
        ),
        validPath,
      )
      .map((parts) => parts.join('')),
    fc.oneof(
      fc
        .tuple(
          fc.oneof(
            fc.constant(''),
            nearEnvName.map((name) => `${name}=`),
          ),
          nearPath,
        )
        .map((parts) => parts.join('')),
      anyText(20),
    ),
  );
  const logLevel = either(
    fc.constantFrom('error', 'warn', 'info', 'debug'),
    fc.oneof(fc.constantFrom('DEBUG', 'trace', ''), anyText(6)),
  );
  const logFormat = either(
    fc.constantFrom('text', 'json'),
    fc.oneof(fc.constantFrom('JSON', 'yaml', ''), anyText(6)),
  );
  const mount = either(fc.constantFrom('approle', '/approle/', 'auth/x', 'x'), anyText(8));
  const word = either(
    fc.constantFrom('node', 'server.js', 'env', 'check', 'run', '-x', '--secret', '-h'),
    anyText(10),
  );

  const withValue = (
    [
      ['--vault-addr', address],
      ['--wait-timeout', duration],
      ['--request-timeout', duration],
      ['--kill-timeout', duration],
      ['--role-id-file', filePath],
      ['--secret-id-file', filePath],
      ['--approle-mount', mount],
      ['--secret', mapping],
      ['--secrets', pathImport],
      ['--log-level', logLevel],
      ['--log-format', logFormat],
    ] as const
  ).map(([flag, value]) =>
    fc.tuple(value, fc.boolean()).map(([text, joined]) => (joined ? [`${flag}=${text}`] : [flag, text])),
  );
  const switches = fc.constantFrom<string[]>(
    ['--pass-token'],
    ['--no-revoke-token'],
    ['--remove-secret-id-file'],
  );
  const oddities = fc.oneof(
    fc.constantFrom<string[]>(
      ['--help'],
      ['-h'],
      ['--version'],
      ['-V'],
      ['--secert', 'A=b#c'],
      ['--unknown'],
      ['-x'],
      ['--pass-token=yes'],
      ['--wait-timeout'],
      ['--secret'],
    ),
    word.map((text) => [text]),
  );
  const argvItem: fc.Arbitrary<string[]> = wild
    ? fc.oneof(
        { weight: 6, arbitrary: fc.oneof(...withValue) },
        { weight: 1, arbitrary: switches },
        { weight: 2, arbitrary: oddities },
      )
    : fc.oneof({ weight: 6, arbitrary: fc.oneof(...withValue) }, { weight: 1, arbitrary: switches });
  const command = wild
    ? fc.option(fc.array(word, { maxLength: 3 }), { nil: undefined })
    : fc.array(word, { minLength: 1, maxLength: 3 });
  const argv = fc
    .tuple(fc.boolean(), fc.array(argvItem, { maxLength: wild ? 6 : 4 }), command)
    .map(([run, items, child]) => [
      ...(run ? ['run'] : []),
      ...items.flat(),
      ...(child ? ['--', ...child] : []),
    ]);

  const reference = either(
    fc
      .tuple(
        validPath,
        validKey.filter((key) => !key.includes('}')),
      )
      .map(([path, key]) => `vault:${path}#${key}`),
    fc.oneof(
      anyText(15),
      fc
        .tuple(anyText(5), nearPath, fc.constantFrom('#k', '#', ''), fc.constantFrom('}', ''))
        .map(([before, path, key, close]) => `${before}\${vault:${path}${key}${close}`),
    ),
  );
  const twins = fc.record(
    {
      VAULT_EXEC_WAIT_TIMEOUT: duration,
      VAULT_EXEC_REQUEST_TIMEOUT: duration,
      VAULT_EXEC_KILL_TIMEOUT: duration,
      VAULT_EXEC_ROLE_ID_FILE: filePath,
      VAULT_EXEC_SECRET_ID_FILE: filePath,
      VAULT_EXEC_REMOVE_SECRET_ID_FILE: booleanValue,
      VAULT_EXEC_APPROLE_MOUNT: mount,
      VAULT_EXEC_SECRET: fc.array(mapping, { maxLength: 3 }).map((items) => items.join(wild ? ',' : ', ')),
      VAULT_EXEC_SECRETS: fc.array(pathImport, { maxLength: 3 }).map((items) => items.join(' ')),
      VAULT_EXEC_PASS_TOKEN: booleanValue,
      VAULT_EXEC_REVOKE_TOKEN: booleanValue,
      VAULT_EXEC_LOG_LEVEL: logLevel,
      VAULT_EXEC_LOG_FORMAT: logFormat,
      VAULT_ADDR: address,
      VAULT_TOKEN: either(
        fc.constantFrom('hvs.fuzz-token', 'root'),
        fc.oneof(fc.constantFrom(' ', ''), anyText(10)),
      ),
      VAULT_ROLE_ID: either(fc.constant('fuzz-role'), anyText(6)),
      VAULT_SECRET_ID: either(fc.constant('fuzz-secret'), anyText(6)),
      VAULT_NAMESPACE: anyText(6),
      VAULT_CACERT: anyText(6),
      VAULT_CAPATH: anyText(6),
      VAULT_CLIENT_CERT: anyText(6),
      VAULT_CLIENT_KEY: anyText(6),
      VAULT_TLS_SERVER_NAME: anyText(6),
      VAULT_SKIP_VERIFY: booleanValue,
    },
    { requiredKeys: [] },
  );
  // Tidy inputs set each twin rarely, so most of them parse; wild ones take whatever the record gives.
  const sparse = wild
    ? twins
    : twins.chain((all) =>
        fc
          .subarray(Object.keys(all), { maxLength: 4 })
          .map((keys) => Object.fromEntries(keys.map((key) => [key, all[key as keyof typeof all]]))),
      );
  const env = fc
    .tuple(sparse, fc.dictionary(validEnvName, reference, { maxKeys: 4 }), fc.boolean())
    .map(
      ([set, others, token]) =>
        ({ ...others, ...(token || wild ? {} : { VAULT_TOKEN: 'hvs.fuzz-token' }), ...set, HOME }) as Record<
          string,
          string | undefined
        >,
    );
  return fc.tuple(argv, env);
}

// --- the formatter: a Config back to flags and env -----------------------------------------------

const formatTemplate = (parts: TemplatePart[]): string => {
  const [only] = parts;
  const ref = (part: { ref: { path: string; key: string } }) => `${part.ref.path}#${part.ref.key}`;
  if (parts.length === 1 && only !== undefined && 'ref' in only) return `vault:${ref(only)}`;
  return parts.map((part) => ('ref' in part ? `\${vault:${ref(part)}}` : part.literal)).join('');
};

function formatCommandLine(
  kind: 'run' | 'check' | 'env',
  config: Config,
): { argv: string[]; env: Record<string, string> } {
  const argv = [
    `--vault-addr=${config.vaultAddr}`,
    `--wait-timeout=${config.waitTimeoutMs}ms`,
    `--request-timeout=${config.requestTimeoutMs}ms`,
    `--kill-timeout=${config.killTimeoutMs}ms`,
    ...config.secrets.map((item) => `--secret=${item.name}=${item.ref.path}#${item.ref.key}`),
    ...config.pathImports.map(
      (item) =>
        `--secrets=${item.prefix !== '' ? `${item.prefix}=` : /^[A-Za-z_][A-Za-z0-9_]*=/.test(item.path) ? '/' : ''}${item.path}`,
    ),
    ...(config.passToken ? ['--pass-token'] : []),
    ...(config.revokeToken ? [] : ['--no-revoke-token']),
    `--log-level=${config.logLevel}`,
    `--log-format=${config.logFormat}`,
  ];
  const env: Record<string, string> = { HOME, VAULT_SKIP_VERIFY: String(config.tls.skipVerify) };
  if (config.auth.method === 'token') env.VAULT_TOKEN = config.auth.token;
  else if (config.auth.method === 'approle') {
    env.VAULT_ROLE_ID = config.auth.roleId;
    argv.push(`--approle-mount=${config.auth.mount}`);
    if (config.auth.secretIdFile !== undefined) argv.push(`--secret-id-file=${config.auth.secretIdFile}`);
    else if (config.auth.secretId !== undefined) env.VAULT_SECRET_ID = config.auth.secretId;
    if (config.auth.removeSecretIdFile) argv.push('--remove-secret-id-file');
  }
  const variables = {
    VAULT_NAMESPACE: config.namespace,
    VAULT_CACERT: config.tls.caCert,
    VAULT_CAPATH: config.tls.caPath,
    VAULT_CLIENT_CERT: config.tls.clientCert,
    VAULT_CLIENT_KEY: config.tls.clientKey,
    VAULT_TLS_SERVER_NAME: config.tls.serverName,
  };
  for (const [name, value] of Object.entries(variables)) if (value !== undefined) env[name] = value;
  for (const template of config.templates) env[template.name] = formatTemplate(template.parts);
  if (config.mask) argv.push('--mask');
  if (kind === 'env') argv.push(`--format=${config.envFormat}`, ...(config.forceTerminal ? ['--force'] : []));
  // `check` may be given the command a start would run (it runs nothing), or none at all; env none.
  const command = kind !== 'run' && config.command.length === 0 ? [] : ['--', ...config.command];
  return { argv: [...(kind === 'run' ? [] : [kind]), ...argv, ...command], env };
}

function describeInput(argv: string[], env: Record<string, string | undefined>): string {
  return `${argv.join(' ')} ${Object.values(env).join(' ')}`;
}

describe('whole command lines (parseCommandLine)', () => {
  test(
    'every argv and environment gives a run, a check or an exit, or a one-line UsageError; a run or check round-trips',
    { timeout: TIMEOUT_MS },
    () => {
      fc.assert(
        fc.property(fc.oneof(commandLine(false), commandLine(true)), ([words, environment]) => {
          const outcome = attempt('parseCommandLine', describeInput(words, environment), () =>
            configFromArgv(words, environment),
          );
          if (!outcome.ok) return tried('parseCommandLine, rejected');
          tried(`parseCommandLine, accepted (${outcome.value.kind})`);
          if (outcome.value.kind === 'exit') {
            expect(outcome.value.code).toBe(0);
            expect(outcome.value.stdout).not.toBe('');
            return;
          }
          const { kind, config } = outcome.value;
          // A run always has a command; `check` runs none, so it may have one or not.
          if (kind === 'run') expect(config.command.length).toBeGreaterThan(0);
          for (const duration of [config.waitTimeoutMs, config.requestTimeoutMs, config.killTimeoutMs]) {
            if (!Number.isFinite(duration) || duration > 2 ** 31 - 1)
              expect.fail(`a duration of ${duration} ms was accepted`);
          }
          const formatted = formatCommandLine(kind, config);
          const again = attempt('parseCommandLine', describeInput(formatted.argv, formatted.env), () =>
            configFromArgv(formatted.argv, formatted.env),
          );
          expect(again).toEqual({ ok: true, value: { kind, config } });
        }),
        PARAMS,
      );
    },
  );
});
