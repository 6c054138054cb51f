// The parsed command line + the environment + the project file's text → options: every value
// merged (command line, then env twin, then file, then default), checked, and typed. Pure: the
// resolve step reads the file and hands its text in, and does the I/O the options then ask for.
import type { Env } from '../util/env';
import { parseDuration } from '../util/duration';
import { UsageError, quote } from '../util/errors';
import { planAuth, type AuthPlan } from './auth-plan';
import type { Config } from './config';
import {
  checkDistinctDestinations,
  destinationsOf,
  parseCertificateRequest,
  parseFileMode,
  parseReloadSignal,
  parseSecretFile,
  parseTemplateSpec,
  type FileOutputs,
} from './file-outputs';
import { checkFallbackEnvAllowed } from './fallback-policy';
import {
  FLAG_OPTIONS,
  optionSpec,
  type FlagKey,
  type FlagSpec,
  type FlagValues,
  type SettingKey,
} from './options';
import type { ParsedCommandLine } from './parse-command-line';
import { parseProjectFile } from './project-file/parse-project-file';
import {
  findEnvTemplates,
  parsePathImport,
  parseSecretMapping,
  type EnvReferences,
} from './secret-references';
import { nonBlank, parseAddress, parseBoolean, parseListenAddress, requirePositive } from './values';

export type Source = 'command line' | 'env' | 'file' | 'default';

/** A project file as the resolve step read it. */
export interface ProjectFileText {
  /** Absolute. */
  path: string;
  /** As messages name it: relative to the cwd where that is shorter. */
  shownAs: string;
  text: string;
  /** Found by the upward search rather than given with --config or VAULT_EXEC_CONFIG. */
  discovered: boolean;
}

export interface Options {
  kind: ParsedCommandLine['kind'];
  /** Everything of the Config that needs no I/O; `files.templates` is filled in by the resolve step. */
  base: Omit<Config, 'auth' | 'runAs'>;
  /** --template SRC:DEST: the resolve step reads SRC and parses its references. */
  templateSources: Array<{ source: string; dest: string }>;
  /** The merged flag values (paths from a project file already absolute). */
  values: FlagValues;
  /** Where each value came from. */
  sources: Record<FlagKey, Source>;
  auth: AuthPlan;
}

export function mergeOptions(line: ParsedCommandLine, env: Env, file?: ProjectFileText): Options {
  const kind = line.kind;
  const fromFile = file === undefined ? undefined : parseProjectFile(file.text, file);
  const values: Record<string, unknown> = {};
  const sources = {} as Record<FlagKey, Source>;
  for (const row of FLAG_OPTIONS) {
    const [value, source] = mergeOne(row, line, env, fromFile?.values[row.key]);
    values[row.key] = value;
    sources[row.key] = source;
  }
  const merged = values as FlagValues;

  // A project file is shared by run, check and env, so what belongs to one of them is ignored by the
  // others; the same setting given to the wrong command on purpose is refused.
  const given = (key: FlagKey) => sources[key] === 'command line' || sources[key] === 'env';
  if (kind === 'env' && merged.fallbackEnv !== undefined && given('fallbackEnv'))
    throw new UsageError(
      'vault-exec env never falls back to a .env file: drop --fallback-env (VAULT_EXEC_FALLBACK_ENV)',
    );
  if (kind === 'env' && merged.passToken && given('passToken'))
    throw new UsageError(
      'vault-exec env never prints its own token: drop --pass-token (VAULT_EXEC_PASS_TOKEN)',
    );
  const fallbackEnv = checkFallbackEnvAllowed({
    file: merged.fallbackEnv,
    fromProjectFile: sources.fallbackEnv === 'file',
    // env, like check, ignores a project file's fallback-env: it must print what Vault holds.
    form: line.form === 'env' ? 'check' : line.form,
    env,
  });
  for (const row of FLAG_OPTIONS) {
    if ((row.commands as readonly string[]).includes(kind)) continue;
    if (sources[row.key] === 'command line') {
      const owner = `vault-exec ${row.commands.join(' or ')}`;
      throw new UsageError(
        `${row.flag} belongs to ${owner}: use ${owner} ${row.flag} ... (see vault-exec --help)`,
      );
    }
    values[row.key] = 'default' in row ? row.default : 'repeatable' in row ? [] : undefined;
    sources[row.key] = 'default';
  }
  const command = line.command ?? fromFile?.command ?? [];
  if (kind === 'run' && (command.length === 0 || command[0] === ''))
    throw new UsageError('no command given: use vault-exec [options] -- <command> [args...]');
  const secrets = merged.secret.map(parseSecretMapping);
  const duplicate = secrets.find(
    (mapping, index) => secrets.findIndex((other) => other.name === mapping.name) !== index,
  );
  if (duplicate)
    throw new UsageError(
      `--secret ${duplicate.name} is given more than once: each variable name may appear once`,
    );
  const vaultAddr = parseAddress(merged.vaultAddr);
  const base: Options['base'] = {
    command,
    vaultAddr,
    namespace: setting(env, 'namespace'),
    tls: {
      caCert: setting(env, 'caCert'),
      caPath: setting(env, 'caPath'),
      clientCert: setting(env, 'clientCert'),
      clientKey: setting(env, 'clientKey'),
      serverName: setting(env, 'tlsServerName'),
      skipVerify: parseBoolean(env[optionSpec('skipVerify').env], optionSpec('skipVerify').env, false),
    },
    requestTimeoutMs: requirePositive(
      parseDuration(merged.requestTimeout, '--request-timeout'),
      '--request-timeout',
    ),
    waitTimeoutMs: parseDuration(merged.waitTimeout, '--wait-timeout'),
    killTimeoutMs: parseDuration(merged.killTimeout, '--kill-timeout'),
    watchIntervalMs:
      merged.watch === undefined
        ? undefined
        : requirePositive(parseDuration(merged.watch, '--watch'), '--watch'),
    metricsAddr: merged.metricsAddr === undefined ? undefined : parseListenAddress(merged.metricsAddr),
    secrets,
    pathImports: merged.secrets.map(parsePathImport),
    files: parseFileOutputs(merged, sources.filesDir),
    ...findEnvReferences(env),
    passToken: merged.passToken,
    revokeToken: merged.revokeToken,
    processGroup: merged.processGroup,
    mask: merged.mask,
    envFormat: merged.format,
    forceTerminal: merged.force,
    logLevel: merged.logLevel,
    logFormat: merged.logFormat,
    projectFile: file?.path,
    fallbackEnv,
  };
  const auth = planAuth(merged, env);
  if (kind === 'check' && auth.method === 'approle' && auth.secretIdWrapped)
    throw new UsageError(
      'check cannot use a wrapped secret_id: unwrapping it would use it up before the real start',
    );
  const templateSources = merged.template.map(parseTemplateSpec);
  checkDistinctDestinations([
    ...destinationsOf(base.files),
    ...templateSources.map((template) => template.dest),
  ]);
  return { kind, base, templateSources, values: merged, sources, auth };
}

/** Everything of --file, --certificate and their settings; templates are read later. */
function parseFileOutputs(merged: FlagValues, filesDirSource: Source): FileOutputs {
  return {
    dir: filesDirSource === 'default' ? undefined : merged.filesDir,
    mode: parseFileMode(merged.fileMode),
    files: merged.file.map(parseSecretFile),
    templates: [],
    certificates: merged.certificate.map(parseCertificateRequest),
    reloadSignal: merged.reloadSignal === undefined ? undefined : parseReloadSignal(merged.reloadSignal),
  };
}

/** A flag on the command line wins over its env twin, then the project file, then the default. */
function mergeOne(row: FlagSpec, line: ParsedCommandLine, env: Env, fromFile: unknown): [unknown, Source] {
  if (row.key in line.flags) return [line.flags[row.key], 'command line'];
  const text = env[row.env];
  if (text !== undefined && text.trim() !== '') return [parseTwin(row, text), 'env'];
  if (fromFile !== undefined) return [fromFile, 'file'];
  return ['default' in row ? row.default : 'repeatable' in row ? [] : undefined, 'default'];
}

function parseTwin(row: FlagSpec, text: string): unknown {
  if (row.shape === 'boolean') return parseBoolean(text, row.env, row.default);
  if ('repeatable' in row)
    return text.split('envListSplit' in row ? /\s+/ : /[\s,]+/).filter((item) => item !== '');
  if ('choices' in row && !(row.choices as readonly string[]).includes(text.trim()))
    throw new UsageError(`invalid value ${quote(text)} for ${row.env}: use one of ${row.choices.join(', ')}`);
  return text.trim();
}

/** An environment-only setting of the options table (VAULT_CACERT...), unset when blank. */
function setting(env: Env, key: SettingKey): string | undefined {
  return nonBlank(env[optionSpec(key).env]);
}

/**
 * The inherited variables that hold references, and those whose value only looks like one
 * (IMAGE=vault:1.13.3), which pass to the child as they are. Our own settings (VAULT_*) are never
 * references, so VAULT_ADDR=vault:8200-style values stay legal.
 */
function findEnvReferences(env: Env): EnvReferences {
  return findEnvTemplates(
    Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('VAULT_'))),
  );
}
