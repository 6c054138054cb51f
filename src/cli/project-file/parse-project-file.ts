import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Node } from 'yaml';
import { isMap, isScalar, isSeq, loadYaml } from './lazy-yaml';
import { UsageError, escapeControlCharacters, quote } from '../../util/errors';
import { checkFileValue, describeShape, shapeOfPlaceholder, type ValueShape } from './check-file-value';
import { suggestKey } from './suggest-key';

/** What the loader needs to know of a flag; cli.ts's OPTIONS entries are these, so new flags become keys. */
export interface FileOptionSpec {
  key: string;
  flags: string;
  kind: 'string' | 'list' | 'boolean';
  choices?: readonly string[];
}

export interface ProjectFile {
  path: string;
  /** By option key (RawOptions' names), typed as commander gives them: `--no-x` flags already negated. */
  values: Record<string, string | string[] | boolean>;
  /** `command:` for `vault-exec run` without a command on the line. */
  command?: string[];
}

/** Keys the file may not hold, and why. */
const REFUSED_KEYS: Record<string, string> = {
  config: 'a project file cannot name another project file',
  token: 'credentials never go in a project file: log in with `vault login` (or set VAULT_TOKEN)',
  'vault-token': 'credentials never go in a project file: log in with `vault login` (or set VAULT_TOKEN)',
  'secret-id':
    'credentials never go in a project file: use secret-id-file with a path outside the repository',
  'role-id': 'credentials never go in a project file: use role-id-file, or VAULT_ROLE_ID',
};
const COMMAND_KEY = 'command';

export function loadProjectFile(
  path: string,
  shownAs: string,
  specs: readonly FileOptionSpec[],
): ProjectFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(`cannot read the project file ${shownAs}: ${reason ?? 'unreadable'}`, {
      cause: error,
    });
  }
  return parseProjectFile(text, { path, shownAs }, specs);
}

/** Parses and checks the file's text; every problem is one UsageError starting "<file>:<line>:". */
export function parseProjectFile(
  text: string,
  file: { path: string; shownAs: string },
  specs: readonly FileOptionSpec[],
): ProjectFile {
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

  const byFileKey = new Map(specs.map((spec) => [fileKeyOf(spec), spec]));
  for (const pair of contents.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) throw new UsageError(`${at(keyNode)}: keys must be plain names such as secret`);
    const where = at(keyNode);
    const shown = quote(escapeControlCharacters(key));
    const refused = REFUSED_KEYS[key];
    if (refused !== undefined) throw new UsageError(`${where}: ${shown} is not allowed here: ${refused}`);
    const value = pair.value as Node | null;
    if (key === COMMAND_KEY) {
      result.command = readCommand(value, where, at);
      continue;
    }
    const spec = byFileKey.get(key);
    if (spec === undefined) {
      const suggestion = suggestKey(key, [...byFileKey.keys(), COMMAND_KEY]);
      throw new UsageError(
        `${where}: unknown key ${shown}${suggestion ? ` (did you mean ${quote(suggestion)}?)` : ''}; keys are the long flag names without "--" (see vault-exec --help)`,
      );
    }
    result.values[spec.key] = readOptionValue(spec, value, { key, at, baseDir: dirname(file.path) });
  }
  return result;
}

/** One option's value, typed as commander would give it, each scalar checked for its shape. */
function readOptionValue(
  spec: FileOptionSpec,
  value: Node | null,
  context: { key: string; at: (node: Node | null) => string; baseDir: string },
): string | string[] | boolean {
  const { key, at } = context;
  const shown = quote(escapeControlCharacters(key));
  const shape = shapeOf(spec);
  const check = (node: Node | null, typeError: string): string =>
    checkFileValue(scalarText(node, typeError), {
      shape,
      choices: spec.choices,
      at: at(node),
      key,
      baseDir: context.baseDir,
    });
  if (spec.kind === 'boolean') {
    if (!isScalar(value) || typeof value.value !== 'boolean')
      throw new UsageError(`${at(value)}: ${shown} takes true or false`);
    return isNegated(spec) ? !value.value : value.value;
  }
  if (spec.kind === 'list') {
    const items = isSeq(value) ? (value.items as Array<Node | null>) : [value];
    return items.map((item) =>
      check(item, `${at(item)}: each entry of ${shown} is a ${describeShape(shape)}`),
    );
  }
  return check(value, `${at(value)}: ${shown} takes a ${describeShape(shape)}`);
}

/** `--vault-addr <url>` is `vault-addr`; `--no-revoke-token` is `no-revoke-token`, true meaning "don't". */
export function fileKeyOf(spec: FileOptionSpec): string {
  return /^--([A-Za-z0-9-]+)/.exec(spec.flags)?.[1] ?? spec.key;
}

function isNegated(spec: FileOptionSpec): boolean {
  return spec.kind === 'boolean' && fileKeyOf(spec).startsWith('no-');
}

function shapeOf(spec: FileOptionSpec): ValueShape {
  return shapeOfPlaceholder(/<([^>]+)>/.exec(spec.flags)?.[1]);
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
