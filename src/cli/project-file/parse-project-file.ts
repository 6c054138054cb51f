// The project file's text → option values, checked against the options table. No I/O: the resolve
// step (resolve/open-project-file.ts) finds and reads the file.
import { dirname } from 'node:path';
import type { Node } from 'yaml';
import { isMap, isScalar, isSeq, loadYaml } from './lazy-yaml';
import { UsageError, escapeControlCharacters, quote } from '../../util/errors';
import { OPTIONS, type FlagKey, type OptionRow } from '../options';
import { checkFileValue, describeShape } from './check-file-value';
import { suggestKey } from './suggest-key';

export interface ProjectFile {
  path: string;
  /** By option key, typed as commander gives them: `--no-x` flags already negated. */
  values: Partial<Record<FlagKey, string | string[] | boolean>>;
  /** `command:` for `vault-exec run` without a command on the line. */
  command?: string[];
}

type FileRow = OptionRow & { key: FlagKey; file: string };

/** The keys a project file may hold, with their rows: every flag's long name but --config's. */
const FILE_ROWS: ReadonlyMap<string, FileRow> = new Map(
  (OPTIONS as readonly OptionRow[])
    .filter((row): row is FileRow => typeof row.file === 'string')
    .map((row) => [row.file, row]),
);
export const PROJECT_FILE_KEYS: readonly string[] = [...FILE_ROWS.keys()];

/** Keys the file may never hold, and why (another project file, credentials). */
const REFUSED_KEYS: ReadonlyMap<string, string> = new Map(
  (OPTIONS as readonly OptionRow[]).flatMap(({ file }) =>
    typeof file === 'object' ? file.keys.map((key) => [key, file.never] as const) : [],
  ),
);
const COMMAND_KEY = 'command';

/** Parses and checks the file's text; every problem is one UsageError starting "<file>:<line>:". */
export function parseProjectFile(text: string, file: { path: string; shownAs: string }): ProjectFile {
  const { LineCounter, parseDocument } = loadYaml();
  const lines = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a secret.
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (node: { range?: [number, number, number] | null } | null | undefined): string =>
    `${file.shownAs}:${node?.range ? lines.linePos(node.range[0]).line : 1}`;
  const [yamlError] = document.errors;
  if (yamlError)
    throw new UsageError(
      `${file.shownAs}:${lines.linePos(yamlError.pos[0]).line}: invalid YAML: ${firstLine(yamlError.message)}`,
    );
  const result: ProjectFile = { path: file.path, values: {} };
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return result;
  if (!isMap(contents))
    throw new UsageError(`${at(contents)}: expected "key: value" lines, e.g. secret: [NAME=PATH#KEY]`);

  for (const pair of contents.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) throw new UsageError(`${at(keyNode)}: keys must be plain names such as secret`);
    const where = at(keyNode);
    const shown = quote(escapeControlCharacters(key));
    const refused = REFUSED_KEYS.get(key);
    if (refused !== undefined) throw new UsageError(`${where}: ${shown} is not allowed here: ${refused}`);
    const value = pair.value as Node | null;
    if (key === COMMAND_KEY) {
      result.command = readCommand(value, where, at);
      continue;
    }
    const row = FILE_ROWS.get(key);
    if (row === undefined) {
      const suggestion = suggestKey(key, [...PROJECT_FILE_KEYS, COMMAND_KEY]);
      throw new UsageError(
        `${where}: unknown key ${shown}${suggestion ? ` (did you mean ${quote(suggestion)}?)` : ''}; keys are the long flag names without "--" (see vault-exec --help)`,
      );
    }
    result.values[row.key] = readOptionValue(row, value, { key, at, baseDir: dirname(file.path) });
  }
  return result;
}

/** One option's value, typed as commander would give it, each scalar checked for its shape. */
function readOptionValue(
  row: FileRow,
  value: Node | null,
  context: { key: string; at: (node: Node | null) => string; baseDir: string },
): string | string[] | boolean {
  const { key, at } = context;
  const shown = quote(escapeControlCharacters(key));
  const what = describeShape(row.shape, row.choices);
  const check = (node: Node | null, typeError: string): string =>
    checkFileValue(scalarText(node, typeError), {
      shape: row.shape,
      choices: row.choices,
      at: at(node),
      key,
      baseDir: context.baseDir,
    });
  if (row.shape === 'boolean') {
    if (!isScalar(value) || typeof value.value !== 'boolean')
      throw new UsageError(`${at(value)}: ${shown} takes true or false`);
    // `no-revoke-token: true` sets revokeToken to false, as the flag does.
    return row.file.startsWith('no-') ? !value.value : value.value;
  }
  if (row.repeatable) {
    const items = isSeq(value) ? (value.items as Array<Node | null>) : [value];
    return items.map((item) => check(item, `${at(item)}: each entry of ${shown} is ${what}`));
  }
  return check(value, `${at(value)}: ${shown} takes ${what}`);
}

/** A string as typed; a number is taken as its text, as `--wait-timeout 30` would be. */
function scalarText(node: Node | null, typeError: string): string {
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value))
    return node.source ?? String(node.value);
  if (isScalar(node) && node.value === null) throw new UsageError(`${typeError}, but it has no value`);
  throw new UsageError(`${typeError}, not ${describeNode(node)}`);
}

// YAML has more scalar types than booleans: `.inf`, `!!binary`, timestamps with a schema.
function describeNode(node: Node | null): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node) && typeof node.value === 'boolean') return 'a boolean';
  return 'a special YAML value (write text in quotes)';
}

function readCommand(value: Node | null, where: string, at: (node: Node | null) => string): string[] {
  const usage = `${where}: "command" takes a list of words, e.g. command: [flask, run]`;
  if (isScalar(value) && typeof value.value === 'string' && !/\s/.test(value.value.trim()))
    return [value.value.trim()];
  if (!isSeq(value) || value.items.length === 0) throw new UsageError(usage);
  return (value.items as Array<Node | null>).map((item) =>
    checkFileValue(scalarText(item, usage), { shape: 'free', at: at(item), key: COMMAND_KEY, baseDir: '' }),
  );
}

function firstLine(message: string): string {
  return escapeControlCharacters(message.split('\n')[0] ?? message);
}
