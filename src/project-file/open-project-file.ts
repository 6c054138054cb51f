import { relative, resolve } from 'node:path';
import { findProjectFile } from './find-project-file';
import { loadProjectFile, type FileOptionSpec, type ProjectFile } from './load-project-file';

/**
 * The project file for this start: the one named by --config (or VAULT_EXEC_CONFIG) in any form,
 * else, only where `discover` allows it (`vault-exec run` and `check`), the nearest vault-exec.yaml.
 * The container form (`vault-exec -- cmd`) never picks up a file it was not given.
 */
export function openProjectFile(
  options: { given?: string; discover: boolean; cwd: string; home?: string },
  specs: readonly FileOptionSpec[],
): ProjectFile | undefined {
  const { given, cwd } = options;
  if (given !== undefined) return loadProjectFile(resolve(cwd, given), given, specs);
  if (!options.discover) return undefined;
  const found = findProjectFile(cwd, options.home);
  return found === undefined ? undefined : loadProjectFile(found, relative(cwd, found) || found, specs);
}
