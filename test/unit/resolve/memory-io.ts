// A ResolveIo over an in-memory tree, so resolve-step tests touch no disk and no account of the
// machine's: files by absolute path, directories implied by them (plus any listed), symbolic links
// as a map from link to target, and ids and the token helper as a test sets them.
import { dirname, join } from 'node:path';
import type { ResolveIo } from '../../../src/resolve/io';

export interface MemoryTree {
  files?: Record<string, string>;
  directories?: string[];
  links?: Record<string, string>;
  /** Owner and mode by path; 1000 and 0o644 unless given. */
  modes?: Record<string, { uid: number; mode: number }>;
}

export function memoryIo(
  tree: MemoryTree,
  overrides: Partial<ResolveIo> = {},
): ResolveIo & { read: string[] } {
  const files = { ...tree.files };
  const links = { ...tree.links };
  const directories = new Set(tree.directories ?? []);
  for (const path of [...Object.keys(files), ...Object.keys(links), ...directories])
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) directories.add(dir);
  directories.add('/');
  const enoent = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  const realPath = (path: string): string => {
    let resolved = '/';
    for (const part of path.split('/').filter((p) => p !== '')) {
      resolved = join(resolved, part);
      for (let hops = 0; links[resolved] !== undefined && hops < 40; hops++)
        resolved = realPathOf(links[resolved]!, resolved);
    }
    if (!(resolved in files) && !directories.has(resolved)) throw enoent(path);
    return resolved;
  };
  const realPathOf = (target: string, link: string) =>
    realPath(target.startsWith('/') ? target : join(dirname(link), target));
  const read: string[] = [];
  return {
    cwd: '/',
    uid: 1000,
    gid: 1000,
    accountHome: () => undefined,
    readFile: (path) => {
      const real = realPath(path);
      if (!(real in files)) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
      read.push(path);
      return files[real]!;
    },
    stat: (path) => tree.modes?.[path] ?? (realPath(path), { uid: 1000, mode: 0o100644 }),
    realPath,
    runTokenHelper: () => {
      throw new Error('no token helper in this test');
    },
    read,
    ...overrides,
  };
}
