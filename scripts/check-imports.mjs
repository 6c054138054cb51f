// `npm run check:imports`: the import graph of src/ has no cycle and no arrow the layers forbid.
// Every import, `import type` and `export ... from` between our own files counts for cycles, so a
// type-only cycle fails too. Prints one line per problem and exits 1, or one summary line and 0.
//
//   node scripts/check-imports.mjs          checks src/
//   node scripts/check-imports.mjs DIR      checks DIR instead (the unit test's fixture trees)
//
// Plain Node on purpose: a small lexer skips comments, strings, template literals and regular
// expressions, then reads the import and export-from statements; nothing is compiled or bundled.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layers, and the rule of each in one sentence. A file's layer is its first folder under src/
// (main.ts and run.ts are layers of their own); every layer may import its own files. `types` are
// allowed through `import type` / `export type` only: with verbatimModuleSyntax, `import { type A }`
// still loads the module at run time, so it counts as a plain import.
const LAYERS = {
  util: { imports: [], rule: 'util imports nothing of ours' },
  cli: { imports: ['util'], rule: 'cli (pure parsing) imports only util' },
  resolve: { imports: ['cli', 'util'], rule: 'resolve (the I/O before Vault) imports only cli and util' },
  vault: {
    imports: ['aws', 'cli', 'util'],
    rule: "vault imports only aws (for the aws login's signed request), cli (what was parsed) and util",
  },
  aws: {
    imports: ['cli', 'util'],
    rule: "aws (AWS's own endpoints: STS, container credentials, instance metadata; SigV4) imports only cli and util",
  },
  child: {
    imports: ['util'],
    types: [{ layer: 'cli' }],
    rule: 'child imports only util, and the types of cli through `import type`',
  },
  running: {
    imports: ['vault', 'child', 'cli', 'util'],
    rule: 'running imports only vault, child, cli and util',
  },
  metrics: {
    imports: ['util'],
    types: [{ layer: 'cli' }],
    rule: 'metrics (--metrics-addr, loaded only with it) imports only util, and the types of cli through `import type`',
  },
  commands: {
    imports: ['cli', 'resolve', 'vault', 'running', 'child', 'metrics', 'util'],
    rule: 'commands imports every layer but main, run, process-io and action',
  },
  run: {
    imports: ['cli', 'resolve', 'commands', 'util'],
    rule: 'run.ts imports only cli, resolve, commands and util',
  },
  main: { imports: ['run', 'process-io'], rule: 'main.ts imports only run and process-io' },
  'process-io': { imports: ['child', 'util'], rule: 'process-io.ts imports only child and util' },
  action: {
    imports: ['cli', 'util'],
    rule: "action (the GitHub Action's entry) imports only cli (its inputs come from the options table) and util",
  },
};

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
const files = listSources(root);
const problems = [];
const graph = new Map(files.map((file) => [file, new Map()]));
let importCount = 0;

for (const file of files) {
  const layer = layerOf(file);
  if (!LAYERS[layer])
    problems.push(`${show(file)}: in no layer; add "${layer}" to LAYERS in scripts/check-imports.mjs`);
  for (const found of readImports(readFileSync(file, 'utf8'))) {
    if (!found.specifier.startsWith('.')) continue;
    const target = resolveSpecifier(file, found.specifier);
    const where = `${show(file)}:${found.line}`;
    if (target === undefined) {
      problems.push(`${where}: cannot find ${JSON.stringify(found.specifier)}`);
      continue;
    }
    if (!graph.has(target)) continue; // outside the checked tree, such as package.json
    importCount += 1;
    const edges = graph.get(file);
    edges.set(target, (edges.get(target) ?? true) && found.typeOnly);
    const refusal = refuse(file, target, found);
    if (refusal) problems.push(`${where}: imports ${show(target)}, but ${refusal}`);
  }
}
for (const cycle of findCycles(graph)) problems.push(`cycle: ${cycle}`);

if (problems.length > 0) {
  for (const problem of problems) console.log(problem);
  process.exit(1);
}
console.log(`check-imports: ${files.length} files, ${importCount} imports: no cycle, no forbidden import`);

// --- the rules -------------------------------------------------------------------------------

function layerOf(file) {
  const [first, ...rest] = relative(root, file).split(sep);
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

/** Why `file` may not import `target`, or undefined when it may. */
function refuse(file, target, found) {
  const from = layerOf(file);
  const to = layerOf(target);
  const rules = LAYERS[from];
  if (!rules || !LAYERS[to] || from === to || rules.imports.includes(to)) return undefined;
  const allowance = (rules.types ?? []).find((type) =>
    type.layer !== undefined ? type.layer === to : target === join(root, type.file),
  );
  if (
    allowance &&
    found.typeOnly &&
    (!allowance.names || found.names.every((name) => allowance.names.includes(name)))
  )
    return undefined;
  return rules.rule;
}

// --- cycles ------------------------------------------------------------------------------------

/** One line per strongly connected component: its shortest cycle through its first file. */
function findCycles(edges) {
  const cycles = [];
  for (const component of stronglyConnected(edges)) {
    const members = new Set(component);
    const start = [...component].sort()[0];
    if (component.length === 1 && !edges.get(start).has(start)) continue;
    cycles.push(describeCycle(shortestCycle(edges, start, members), edges));
  }
  return cycles;
}

// Tarjan's algorithm, iterative so a long import chain cannot overflow the stack.
function stronglyConnected(edges) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let next = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work = [[start, [...edges.get(start).keys()], 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work.at(-1);
      const [node, targets] = frame;
      if (frame[2] < targets.length) {
        const target = targets[frame[2]++];
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push([target, [...edges.get(target).keys()], 0]);
        } else if (onStack.has(target)) {
          low.set(node, Math.min(low.get(node), index.get(target)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work.at(-1)[0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        components.push(component);
      }
    }
  }
  return components;
}

function shortestCycle(edges, start, members) {
  const cameFrom = new Map();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const target of [...edges.get(node).keys()].sort()) {
      if (!members.has(target)) continue;
      if (target === start) {
        const between = [];
        for (let at = node; at !== start; at = cameFrom.get(at)) between.unshift(at);
        return [start, ...between, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

function describeCycle(path, edges) {
  let text = show(path[0]);
  for (let i = 1; i < path.length; i++) {
    text += edges.get(path[i - 1]).get(path[i]) ? ' -(type)-> ' : ' -> ';
    text += show(path[i]);
  }
  return text;
}

// --- files -----------------------------------------------------------------------------------

function listSources(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...listSources(path));
    else if (name.endsWith('.ts')) found.push(path);
  }
  return found;
}

function resolveSpecifier(file, specifier) {
  const base = resolve(dirname(file), specifier);
  const candidates = [base, `${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')];
  return candidates.find((candidate) => {
    try {
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/** Relative to the checked tree's parent, so lines read src/cli/config.ts wherever it runs. */
function show(file) {
  return relative(dirname(root), file).split(sep).join('/');
}

// --- reading import statements -----------------------------------------------------------------

/**
 * Every import of a file: { specifier, typeOnly, names, line }. `names` are the imported names
 * (default and * included), for rules that allow only some types.
 */
function readImports(text) {
  const tokens = tokenize(text);
  const imports = [];
  const at = (i) => tokens[i] ?? { kind: 'end', value: '' };
  const is = (i, kind, value) => at(i).kind === kind && (value === undefined || at(i).value === value);
  for (let i = 0; i < tokens.length; i++) {
    if (is(i - 1, 'punct', '.')) continue;
    if (is(i, 'word', 'require') && is(i + 1, 'punct', '(') && is(i + 2, 'string')) {
      imports.push({ specifier: at(i + 2).value, typeOnly: false, names: ['*'], line: at(i).line });
    }
    if (is(i, 'word', 'import')) {
      if (is(i + 1, 'punct', '(') && is(i + 2, 'string')) {
        imports.push({
          specifier: at(i + 2).value,
          typeOnly: is(i - 1, 'word', 'typeof'),
          names: ['*'],
          line: at(i).line,
        });
        continue;
      }
      if (is(i + 1, 'punct', '.')) continue; // import.meta
      if (is(i + 1, 'string')) {
        imports.push({ specifier: at(i + 1).value, typeOnly: false, names: [], line: at(i).line });
        continue;
      }
      // `import type from './x'` imports a default export named "type".
      const typeOnly = is(i + 1, 'word', 'type') && !is(i + 2, 'word', 'from') && !is(i + 2, 'punct', ',');
      const end = findFrom(i + (typeOnly ? 2 : 1));
      if (end === undefined) continue;
      imports.push({
        specifier: at(end + 1).value,
        typeOnly,
        names: namesBetween(i + (typeOnly ? 2 : 1), end),
        line: at(i).line,
      });
      i = end + 1;
    }
    if (is(i, 'word', 'export')) {
      const typeOnly = is(i + 1, 'word', 'type');
      const start = i + (typeOnly ? 2 : 1);
      if (!is(start, 'punct', '{') && !is(start, 'punct', '*')) continue;
      const end = findFrom(start);
      if (end === undefined) continue;
      imports.push({
        specifier: at(end + 1).value,
        typeOnly,
        names: namesBetween(start, end),
        line: at(i).line,
      });
      i = end + 1;
    }
  }
  return imports;

  /** The index of the `from` that ends the clause starting at `i` (followed by the module string). */
  function findFrom(i) {
    let depth = 0;
    for (let j = i; j < tokens.length; j++) {
      if (is(j, 'punct', '{')) depth++;
      else if (is(j, 'punct', '}')) {
        depth--;
        if (depth < 0) return undefined;
        if (depth === 0 && !is(j + 1, 'word', 'from')) return undefined; // `export { a };`
      } else if (depth === 0 && is(j, 'word', 'from') && is(j + 1, 'string')) return j;
      else if (depth === 0 && (is(j, 'punct', ';') || is(j, 'punct', '='))) return undefined;
    }
    return undefined;
  }

  /** Imported names: `a` and `a as b` give a, `type A` gives A, a default import gives "default". */
  function namesBetween(start, end) {
    const names = new Set();
    let inBraces = false;
    for (let j = start; j < end; j++) {
      if (is(j, 'punct', '{')) inBraces = true;
      else if (is(j, 'punct', '}')) inBraces = false;
      else if (is(j, 'punct', '*')) names.add('*');
      else if (!is(j, 'word')) continue;
      else if (is(j, 'word', 'as'))
        j++; // the local name that follows
      else if (is(j, 'word', 'type') && is(j + 1, 'word') && !is(j + 1, 'word', 'as')) continue;
      else names.add(inBraces ? at(j).value : 'default');
    }
    return [...names];
  }
}

/**
 * Words, strings and punctuation, with the line each starts on. Comments, template literals and
 * regular expressions are skipped (an import inside a template's ${} is still read), so an
 * "import" in a comment or a string is not one.
 */
function tokenize(text) {
  const tokens = [];
  const braces = []; // 'code' for `{`, 'template' for `${` inside a template literal
  let line = 1;
  let i = 0;
  const REGEX_AFTER_WORD = new Set([
    'return',
    'typeof',
    'case',
    'do',
    'else',
    'in',
    'of',
    'new',
    'delete',
    'void',
    'throw',
    'yield',
    'await',
  ]);
  const regexAllowed = () => {
    const last = tokens.at(-1);
    if (!last) return true;
    if (last.kind === 'word') return REGEX_AFTER_WORD.has(last.value);
    if (last.kind !== 'punct') return false;
    return ![')', ']', '}'].includes(last.value);
  };
  const advance = (to) => {
    for (let j = i; j < to && j < text.length; j++) if (text[j] === '\n') line++;
    i = to;
  };
  /** From just after a backtick or a template's closing `}`: to the closing backtick, or into `${`. */
  const skipTemplate = () => {
    let j = i;
    while (j < text.length) {
      if (text[j] === '\\') j += 2;
      else if (text[j] === '`') {
        advance(j + 1);
        tokens.push({ kind: 'template', value: '', line });
        return;
      } else if (text[j] === '$' && text[j + 1] === '{') {
        braces.push('template');
        advance(j + 2);
        return;
      } else j++;
    }
    advance(j);
  };

  while (i < text.length) {
    const char = text[i];
    const next = text[i + 1];
    if (/\s/.test(char)) {
      advance(i + 1);
    } else if (char === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      advance(end === -1 ? text.length : end);
    } else if (char === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      advance(end === -1 ? text.length : end + 2);
    } else if (char === '"' || char === "'") {
      const start = line;
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== char && text[j] !== '\n') {
        if (text[j] === '\\') {
          value += text[j + 1] ?? '';
          j += 2;
        } else value += text[j++];
      }
      advance(j + 1);
      tokens.push({ kind: 'string', value, line: start });
    } else if (char === '`') {
      advance(i + 1);
      skipTemplate();
    } else if (char === '/' && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== '\n') {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        else if (text[j] === '/' && !inClass) break;
        j++;
      }
      j++;
      while (j < text.length && /[a-z]/i.test(text[j])) j++;
      advance(j);
      tokens.push({ kind: 'regex', value: '', line });
    } else if (/[A-Za-z_$]/.test(char)) {
      const match = /^[A-Za-z0-9_$]+/.exec(text.slice(i, i + 200));
      tokens.push({ kind: 'word', value: match[0], line });
      advance(i + match[0].length);
    } else if (/[0-9]/.test(char)) {
      const match = /^[0-9A-Za-z_.]+/.exec(text.slice(i, i + 200));
      tokens.push({ kind: 'number', value: match[0], line });
      advance(i + match[0].length);
    } else if (char === '{') {
      braces.push('code');
      tokens.push({ kind: 'punct', value: char, line });
      advance(i + 1);
    } else if (char === '}' && braces.at(-1) === 'template') {
      braces.pop();
      advance(i + 1);
      skipTemplate();
    } else {
      if (char === '}') braces.pop();
      tokens.push({ kind: 'punct', value: char, line });
      advance(i + 1);
    }
  }
  return tokens;
}
