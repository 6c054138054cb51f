import { parseEnv } from 'node:util';
import { describe, expect, test } from 'vitest';
import { isOutage, selectMappedNames } from '../../../src/commands/fallback-env';
import { checkFallbackEnvAllowed } from '../../../src/cli/fallback-policy';
import { AuthError, VaultUnavailableError } from '../../../src/util/errors';
import { VaultNotReadyError } from '../../../src/vault/wait-for-vault';
import { findEnvTemplates, parsePathImport, parseSecretMapping } from '../../../src/cli/secret-references';

const DOTENV = [
  '# comments and export are fine',
  'export DB_PASSWORD="p#ss word"',
  'JWT_SECRET=\'it "quoted"\'',
  'S3_ACCESS_KEY=AKIA-local',
  'S3_SECRET_KEY="line one',
  'line two"',
  'DATABASE_URL=postgresql://local',
  'UNRELATED=never-given',
].join('\n');

describe('which names of the .env file the child gets', () => {
  const dotenv = parseEnv(DOTENV) as Record<string, string>;

  test('the --secret names, the prefixed --secrets imports and the vault: reference variables, nothing else', () => {
    const selection = selectMappedNames(dotenv, {
      secrets: [
        parseSecretMapping('DB_PASSWORD=secret/db#password'),
        parseSecretMapping('MISSING=secret/x#y'),
      ],
      pathImports: [parsePathImport('S3_=secret/storage'), parsePathImport('secret/jwt')],
      templates: findEnvTemplates({ DATABASE_URL: 'postgresql://${vault:secret/db#user}@db/app' }).templates,
    });
    expect(Object.fromEntries(selection.values)).toEqual({
      DB_PASSWORD: 'p#ss word',
      S3_ACCESS_KEY: 'AKIA-local',
      S3_SECRET_KEY: 'line one\nline two',
      DATABASE_URL: 'postgresql://local',
    });
    expect(selection.missing).toEqual(['MISSING']);
    expect(selection.unmappable).toEqual(['secret/jwt']);
  });

  test('a prefix that matches nothing is reported as missing', () => {
    const selection = selectMappedNames(dotenv, {
      secrets: [],
      pathImports: [parsePathImport('REDIS_=secret/redis')],
      templates: [],
    });
    expect(selection.values.size).toBe(0);
    expect(selection.missing).toEqual(['REDIS_*']);
  });
});

describe('when the fallback may be armed', () => {
  const allowed = (
    form: 'run' | 'check' | 'container',
    env: Record<string, string> = {},
    fromProjectFile = true,
  ) => checkFallbackEnvAllowed({ file: '.env', fromProjectFile, form, env });

  test('under vault-exec run in development', () => {
    expect(allowed('run', { NODE_ENV: 'development', APP_ENV: 'dev' })).toBe('.env');
  });

  test.each([
    ['NODE_ENV', 'production'],
    ['FLASK_ENV', ' PROD '],
    ['APP_ENV', 'Staging'],
    ['VAULT_EXEC_ENV', 'prod'],
  ])('never when %s=%j', (name, value) => {
    expect(() => allowed('run', { [name]: value })).toThrow(
      new RegExp(`^refusing the .env fallback: ${name}=`),
    );
  });

  test('never in the container form', () => {
    expect(() => allowed('container')).toThrow(/container form .* never falls back/);
  });

  test('check ignores one from the project file, and refuses one given to it', () => {
    expect(allowed('check')).toBeUndefined();
    expect(() => allowed('check', {}, false)).toThrow(/check never falls back/);
  });

  test('only an outage (never ready within --wait-timeout) qualifies, not a mistake', () => {
    expect(isOutage(new VaultNotReadyError('not ready'))).toBe(true);
    expect(isOutage(new VaultUnavailableError('certificate problem'))).toBe(false);
    expect(isOutage(new AuthError('permission denied'))).toBe(false);
  });
});
