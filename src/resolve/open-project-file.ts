import { relative, resolve } from 'node:path';
import { findProjectFile } from './find-project-file';
import { assertFoundFileIsTrusted } from './trust-found-file';
import {
  loadProjectFile,
  type FileOptionSpec,
  type ProjectFile,
} from '../cli/project-file/parse-project-file';

/** `--config none`: read no project file, neither a given nor a found one. */
export const NO_PROJECT_FILE = 'none';

/**
 * The project file for this start: the one named by --config (or VAULT_EXEC_CONFIG) in any form,
 * else, only where `discover` allows it (`vault-exec run`, `check` and `env`), the nearest
 * vault-exec.yaml that is yours. The container form (`vault-exec -- cmd`) never picks up a file it
 * was not given.
 */
export function openProjectFile(
  options: { given?: string; discover: boolean; cwd: string; home?: string },
  specs: readonly FileOptionSpec[],
): ProjectFile | undefined {
  const { given, cwd } = options;
  // `none` turns the search off too: a step whose whole configuration is its own (the GitHub
  // Action) must not pick up the workspace's file. A file called none is given as ./none.
  if (given === NO_PROJECT_FILE) return undefined;
  if (given !== undefined) return loadProjectFile(resolve(cwd, given), given, specs);
  if (!options.discover) return undefined;
  const found = findProjectFile(cwd, options.home);
  if (found === undefined) return undefined;
  assertFoundFileIsTrusted(found);
  return loadProjectFile(found, relative(cwd, found) || found, specs);
}
