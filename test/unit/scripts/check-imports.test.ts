// scripts/check-imports.mjs on tiny fixture trees: cycles (type-only ones too), the layer rules, and
// what is not an import (comments, strings, templates).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const SCRIPT = join(__dirname, '../../../scripts/check-imports.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'vault-exec-check-imports-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let trees = 0;
/** Writes the files under a fresh src/ and runs the script on it: its exit code and stdout lines. */
function check(files: Record<string, string>): { status: number | null; lines: string[] } {
  const src = join(scratch, `tree-${++trees}`, 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  const result = spawnSync(process.execPath, [SCRIPT, src], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return { status: result.status, lines: result.stdout.split('\n').filter((line) => line !== '') };
}

describe('a tree that keeps the rules', () => {
  test('passes with one summary line', () => {
    expect(
      check({
        'util/log.ts': 'export const log = 1;\n',
        'cli/config.ts': "import { log } from '../util/log';\nexport type Config = { a: number };\n",
        'vault/client.ts':
          "import type { Config } from '../cli/config';\nimport { log } from '../util/log';\n",
        'running/phase.ts': "import type { Other } from '../cli/config';\nimport '../vault/client';\n",
        'main.ts': "import { run } from './run';\n",
        'run.ts': "import { parse } from './cli/config.ts';\nexport const run = 1;\n",
      }),
    ).toEqual({ status: 0, lines: ['check-imports: 6 files, 7 imports: no cycle, no forbidden import'] });
  });

  test('does not read imports in comments, strings or template literals', () => {
    const result = check({
      'vault/a.ts': 'export const a = 1;\n',
      'cli/b.ts': [
        "// import { a } from '../vault/a';",
        "/* export * from '../vault/a'; */",
        `const text = "import { a } from '../vault/a'";`,
        "const template = `${text} import { a } from '../vault/a' ${`nested ${'}'}`}`;",
        "const pattern = /import '..\\/vault\\/a'/;",
        'export const b = [text, template, pattern];',
      ].join('\n'),
    });
    expect(result).toEqual({
      status: 0,
      lines: [expect.stringMatching(/^check-imports: 2 files, 0 imports/)],
    });
  });
});

describe('cycles', () => {
  test('a cycle through a type-only import fails, with the type-only arrow marked', () => {
    expect(
      check({
        'util/a.ts': "import type { B } from './b';\nexport type A = B;\n",
        'util/b.ts': "import { c } from './c';\nexport type B = number;\n",
        'util/c.ts': "import { a } from './a';\nexport const c = 1;\n",
      }),
    ).toEqual({
      status: 1,
      lines: ['cycle: src/util/a.ts -(type)-> src/util/b.ts -> src/util/c.ts -> src/util/a.ts'],
    });
  });

  test('each cycle is one line, however many files it holds', () => {
    const result = check({
      'util/a.ts': "export { b } from './b';\n",
      'util/b.ts': "export * from './a';\nimport './c';\n",
      'util/c.ts': "import { a } from './a';\n",
      'child/self.ts': "import { self } from './self';\n",
    });
    expect(result.status).toBe(1);
    expect(result.lines.sort()).toEqual([
      'cycle: src/child/self.ts -> src/child/self.ts',
      'cycle: src/util/a.ts -> src/util/b.ts -> src/util/a.ts',
    ]);
  });
});

describe('layer rules', () => {
  test('an arrow from parsing into Vault I/O fails with the file, the line and the rule', () => {
    expect(
      check({
        'vault/wait.ts': 'export const wait = 1;\n',
        'cli/parse.ts': "// parsing\nimport {\n  wait,\n} from '../vault/wait';\n",
      }),
    ).toEqual({
      status: 1,
      lines: ['src/cli/parse.ts:2: imports src/vault/wait.ts, but cli (pure parsing) imports only util'],
    });
  });

  test('a re-export is an import too', () => {
    expect(
      check({
        'commands/env.ts': 'export const env = 1;\n',
        'child/spawn.ts': "export { env } from '../commands/env';\n",
      }).lines,
    ).toEqual([
      'src/child/spawn.ts:1: imports src/commands/env.ts, but child imports only util, and the types of cli through `import type`',
    ]);
  });

  test('util imports nothing of ours', () => {
    expect(
      check({ 'cli/a.ts': 'export type A = 1;\n', 'util/b.ts': "import type { A } from '../cli/a';\n" })
        .lines,
    ).toEqual(['src/util/b.ts:1: imports src/cli/a.ts, but util imports nothing of ours']);
  });

  test('child takes cli for types only, and only through `import type`', () => {
    const result = check({
      'cli/config.ts': 'export type Config = {};\nexport type Other = {};\nexport const value = 1;\n',
      'cli/other.ts': 'export type Config = {};\n',
      'child/ok.ts': "import type { Config, Other as O } from '../cli/config';\n",
      'child/other-file.ts': "import type { Config } from '../cli/other';\n",
      'child/re-export.ts': "export type { Config as C } from '../cli/config';\n",
      'child/inline-type.ts': "import { type Config } from '../cli/config';\n",
      'child/value.ts': "import { value } from '../cli/config';\n",
    });
    expect(result.status).toBe(1);
    expect(result.lines.sort()).toEqual(
      ['inline-type.ts', 'value.ts'].map(
        (file) =>
          `src/child/${file}:1: imports src/cli/config.ts, but child imports only util, and the types of cli through \`import type\``,
      ),
    );
  });

  test('vault and running take what cli parsed, never what comes after them', () => {
    expect(
      check({
        'cli/config.ts': 'export const NAMES = [];\n',
        'running/a.ts': "import { NAMES } from '../cli/config';\n",
        'vault/b.ts': "import { NAMES } from '../cli/config';\nimport '../running/a';\n",
      }).lines,
    ).toEqual([
      "src/vault/b.ts:2: imports src/running/a.ts, but vault imports only aws (for the aws login's signed request), cli (what was parsed) and util",
    ]);
  });

  test("aws (AWS's own endpoints) is below vault: it never reaches Vault or what runs after", () => {
    expect(
      check({
        'cli/config.ts': 'export const NAMES = [];\n',
        'vault/login.ts': "import { NAMES } from '../cli/config';\n",
        'aws/sts.ts': "import { NAMES } from '../cli/config';\nimport '../vault/login';\n",
        'vault/aws.ts': "import '../aws/sts';\n",
      }).lines,
    ).toEqual([
      "src/aws/sts.ts:2: imports src/vault/login.ts, but aws (AWS's own endpoints: STS, container credentials, instance metadata; SigV4) imports only cli and util",
    ]);
  });

  test('the entry points: run.ts reaches Vault only through commands, main.ts only through run', () => {
    expect(
      check({
        'vault/client.ts': 'export const client = 1;\n',
        'commands/start.ts': "import { client } from '../vault/client';\n",
        'run.ts': "import { client } from './vault/client';\nimport './commands/start';\n",
        'main.ts': "import './run';\nimport './commands/start';\n",
      }).lines,
    ).toEqual([
      'src/main.ts:2: imports src/commands/start.ts, but main.ts imports only run and process-io',
      'src/run.ts:1: imports src/vault/client.ts, but run.ts imports only cli, resolve, commands and util',
    ]);
  });

  test('a file in no layer, or an import that names no file, fails', () => {
    expect(
      check({ 'extra/a.ts': 'export const a = 1;\n', 'util/b.ts': "import { gone } from './gone';\n" }).lines,
    ).toEqual([
      'src/extra/a.ts: in no layer; add "extra" to LAYERS in scripts/check-imports.mjs',
      'src/util/b.ts:1: cannot find "./gone"',
    ]);
  });
});
