// Parsing --file, --template, --certificate, --file-mode and --reload-signal, and the merge of the
// new options with their env twins.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { configFromArgv } from '../../support/config-from-argv';
import {
  parseCertificateRequest,
  parseFileMode,
  parseReloadSignal,
  parseSecretFile,
  parseTemplateSpec,
} from '../../../src/cli/file-outputs';
import { parseTemplate } from '../../../src/cli/secret-references';

const usage = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    expect((error as { exitCode?: number }).exitCode).toBe(64);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('--file', () => {
  test('DEST=PATH#KEY', () => {
    expect(parseSecretFile('sa.json=secret/app/gcp#key')).toEqual({
      dest: 'sa.json',
      ref: { path: 'secret/app/gcp', key: 'key' },
    });
  });
  test.each(['../etc/passwd=secret/a#b', 'dir/x=secret/a#b', '.hidden=secret/a#b', '=secret/a#b', 'x'])(
    '%j is refused',
    (text) => {
      expect(usage(() => parseSecretFile(text))).toMatch(/--file/);
    },
  );
});

describe('--template', () => {
  test('SRC:DEST splits at the last colon', () => {
    expect(parseTemplateSpec('C:/tpl/app.ini:app.ini')).toEqual({
      source: 'C:/tpl/app.ini',
      dest: 'app.ini',
    });
  });
  test('the text is parsed by the env references parser', () => {
    expect(parseTemplate('a=${vault:secret/x#k}\nb=${vault:secret/y#j}', 'the template "t"')).toEqual([
      { literal: 'a=' },
      { ref: { path: 'secret/x', key: 'k' } },
      { literal: '\nb=' },
      { ref: { path: 'secret/y', key: 'j' } },
    ]);
    expect(usage(() => parseTemplate('a=${vault:secret/x#k', 'the template "t"'))).toBe(
      'unterminated reference in the template "t": expected ${vault:PATH#KEY}',
    );
  });
});

describe('--certificate', () => {
  test('NAME=MOUNT/ROLE?params, with the issue/ segment optional and repeated names joined', () => {
    const expected = {
      name: 'tls',
      mount: 'pki/int',
      role: 'web',
      params: { common_name: 'app.example.com', alt_names: 'a.example.com,b.example.com', ttl: '72h' },
    };
    const query = 'common_name=app.example.com&alt_names=a.example.com&alt_names=b.example.com&ttl=72h';
    expect(parseCertificateRequest(`tls=pki/int/web?${query}`)).toEqual(expected);
    expect(parseCertificateRequest(`tls=pki/int/issue/web?${query}`)).toEqual(expected);
  });
  test.each([
    ['tls=pki/web', /expected NAME=MOUNT\/ROLE/],
    ['tls=web?common_name=a', /name the PKI mount and role/],
    ['tls=pki/web?alt_names=a', /common_name is required/],
    ['tls=pki/web?common_name=a&format=der', /unknown parameter "format"/],
    ['tls=pki/web?common_name=a&ttl=soon', /ttl must be/],
    ['../x=pki/web?common_name=a', /invalid file name/],
  ])('%j is refused', (text, message) => {
    expect(usage(() => parseCertificateRequest(text))).toMatch(message);
  });
});

describe('--file-mode and --reload-signal', () => {
  test('octal modes; none that others may read; the owner must read', () => {
    expect(parseFileMode('0400')).toBe(0o400);
    expect(parseFileMode('440')).toBe(0o440);
    expect(usage(() => parseFileMode('0444'))).toMatch(/every user of the machine/);
    expect(usage(() => parseFileMode('0040'))).toMatch(/does not let the child read/);
    expect(usage(() => parseFileMode('rw'))).toMatch(/expected octal/);
  });
  test('HUP, SIGHUP and hup name the same signal; a stop signal is no reload', () => {
    expect(['HUP', 'SIGHUP', 'hup'].map(parseReloadSignal)).toEqual(['SIGHUP', 'SIGHUP', 'SIGHUP']);
    expect(parseReloadSignal('USR1')).toBe('SIGUSR1');
    expect(usage(() => parseReloadSignal('TERM'))).toMatch(/use one of HUP, USR1/);
  });
});

describe('merged with their env twins and the project file', () => {
  const env = { VAULT_TOKEN: 'hvs.unit-test-token-aaaaaaaaaaaaaaaa' };
  const config = (argv: string[], extra: Record<string, string> = {}) => {
    const resolved = configFromArgv(argv, { ...env, ...extra });
    if (resolved.kind === 'exit') throw new Error('exited');
    return resolved.config.files;
  };

  test('VAULT_EXEC_FILE is a list as VAULT_EXEC_SECRET is; --files-dir given is explicit', () => {
    const files = config(['--', 'true'], {
      VAULT_EXEC_FILE: 'a.txt=secret/a#k b.txt=secret/b#k',
      VAULT_EXEC_FILES_DIR: '/dev/shm/mine',
      VAULT_EXEC_RELOAD_SIGNAL: 'HUP',
    });
    expect(files.files.map((file) => file.dest)).toEqual(['a.txt', 'b.txt']);
    expect(files).toMatchObject({ dir: '/dev/shm/mine', mode: 0o400, reloadSignal: 'SIGHUP' });
    expect(config(['--', 'true']).dir).toBeUndefined();
  });

  test("VAULT_EXEC_CERTIFICATE is split at whitespace only: Vault's alt_names are comma-separated", () => {
    const files = config(['--', 'true'], {
      VAULT_EXEC_CERTIFICATE:
        'tls=pki/web?common_name=a&alt_names=b,c\n  api=pki/web?common_name=d&ip_sans=10.0.0.1,10.0.0.2',
    });
    expect(files.certificates.map((request) => [request.name, request.params])).toEqual([
      ['tls', { common_name: 'a', alt_names: 'b,c' }],
      ['api', { common_name: 'd', ip_sans: '10.0.0.1,10.0.0.2' }],
    ]);
    // --file and --template name paths, as --secret does: their twins split at commas too.
    expect(config(['--', 'true'], { VAULT_EXEC_FILE: 'a=secret/a#k,b=secret/b#k' }).files).toHaveLength(2);
  });

  test('a template is read at start and parsed; two outputs may not share a name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-exec-tpl-'));
    writeFileSync(join(dir, 'app.tpl'), 'x=${vault:secret/a#k}');
    expect(config(['--template', `${dir}/app.tpl:app.ini`, '--', 'true']).templates).toEqual([
      {
        source: join(dir, 'app.tpl'),
        dest: 'app.ini',
        parts: [{ literal: 'x=' }, { ref: { path: 'secret/a', key: 'k' } }],
      },
    ]);
    expect(() => config(['--template', `${dir}/missing.tpl:app.ini`, '--', 'true'])).toThrow(
      /cannot read the template .*missing\.tpl.* of --template app\.ini: no such file/,
    );
    expect(() =>
      config(['--file', 'tls.key=secret/a#k', '--certificate', 'tls=pki/web?common_name=a', '--', 'true']),
    ).toThrow(/the file "tls.key" is written by more than one/);
  });

  test('env refuses the file flags, and ignores their twins', () => {
    expect(() => configFromArgv(['env', '--file', 'a=secret/a#k'], env)).toThrow(
      /--file belongs to vault-exec run or check/,
    );
    const resolved = configFromArgv(['env'], { ...env, VAULT_EXEC_FILE: 'a=secret/a#k' });
    expect(resolved.kind !== 'exit' && resolved.config.files.files).toEqual([]);
  });
});
