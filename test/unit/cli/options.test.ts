import { describe, expect, test } from 'vitest';
import { CREDENTIAL_ENV_NAMES } from '../../../src/cli/config';
import { FLAG_OPTIONS, OPTIONS, type OptionRow } from '../../../src/cli/options';
import { parseCommandLine } from '../../../src/cli/parse-command-line';
import { PROJECT_FILE_KEYS } from '../../../src/cli/project-file/parse-project-file';
import { EXIT, EXIT_CODES } from '../../../src/util/exit-codes';

const rows: readonly OptionRow[] = OPTIONS;
const help = (() => {
  const result = parseCommandLine(['--help'], {});
  if (result.kind !== 'exit') throw new Error('expected --help to exit');
  return result.stdout;
})();

describe('the options table', () => {
  test('names each option, env name and project-file key once', () => {
    for (const field of ['key', 'env'] as const) {
      const values = rows.map((row) => row[field]);
      expect(new Set(values).size, field).toBe(values.length);
    }
    expect(new Set(PROJECT_FILE_KEYS).size).toBe(PROJECT_FILE_KEYS.length);
  });

  test('a project-file key is the long flag name without "--"; only --config has none', () => {
    for (const row of FLAG_OPTIONS) {
      if (typeof row.file === 'string') expect(`--${row.file}`).toBe(row.flag);
      else expect(row.key).toBe('config');
    }
  });

  test('env twins are VAULT_EXEC_*, but VAULT_ADDR, as the Vault CLI names it', () => {
    for (const row of FLAG_OPTIONS)
      expect(row.env === 'VAULT_ADDR' || row.env.startsWith('VAULT_EXEC_'), row.env).toBe(true);
  });

  test('a choice has its choices, a default is one of them, and a boolean has a default', () => {
    for (const row of rows) {
      if (row.shape === 'choice') expect(row.choices, row.key).toBeDefined();
      if (row.shape === 'choice' && row.default !== undefined) expect(row.choices).toContain(row.default);
      if (row.shape === 'boolean') expect(typeof row.default, row.key).toBe('boolean');
      if (row.placeholder === undefined && row.flag !== undefined) expect(row.shape, row.key).toBe('boolean');
    }
  });

  test('the credential rows are exactly the variables the child never receives', () => {
    expect(rows.filter((row) => row.credential).map((row) => row.env)).toEqual([...CREDENTIAL_ENV_NAMES]);
    for (const row of rows.filter((candidate) => candidate.credential))
      expect(typeof row.file === 'object' && row.file.never, row.env).toMatch(/^credentials never go/);
  });
});

describe('--help', () => {
  test('lists every flag with its env twin', () => {
    const flat = help.replace(/\s+/g, ' ');
    for (const row of FLAG_OPTIONS as readonly OptionRow[]) {
      const flags = row.placeholder === undefined ? row.flag : `${row.flag} ${row.placeholder}`;
      expect(flat).toContain(`${flags} `);
      expect(flat).toContain(`(env: ${row.env})`);
    }
  });

  test('lists every exit code vault-exec chooses, from the exit-code table', () => {
    const flat = help.replace(/\s+/g, ' ');
    for (const row of EXIT_CODES) expect(flat).toContain(`${row.code} ${row.help}`);
    expect(EXIT.usage).toBe(64);
  });

  test('keeps to 80 columns where it builds lines itself', () => {
    const exitCodes = help.slice(help.indexOf('Exit codes:'), help.indexOf('Example:'));
    for (const line of exitCodes.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
