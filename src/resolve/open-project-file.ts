// Which project file this start reads, whether it may, and its text (parsed by cli/merge-options.ts).
import { relative, resolve } from 'node:path';
import type { ProjectFileRequest } from '../cli/parse-command-line';
import type { ProjectFileText } from '../cli/merge-options';
import { UsageError, describeReadFailure } from '../util/errors';
import { findProjectFile, findRepositoryRoot } from './find-project-file';
import type { ResolveIo } from './io';
import { assertFoundFileIsTrusted } from './trust-found-file';

/** `--config none`: read no project file, neither a given nor a found one. */
export const NO_PROJECT_FILE = 'none';

export interface OpenedProjectFile extends ProjectFileText {
  /** A discovered file's repository, real path: what the file may reach (resolve/found-file-reach.ts). */
  repository?: string;
}

/**
 * The project file for this start: the one named by --config (or VAULT_EXEC_CONFIG) in any form,
 * else, only where `discover` allows it (`vault-exec run`, `check` and `env`), the nearest
 * vault-exec.yaml that is yours. The container form (`vault-exec -- cmd`) never picks up a file it
 * was not given.
 */
export function openProjectFile(
  request: ProjectFileRequest,
  home: string | undefined,
  io: ResolveIo,
): OpenedProjectFile | undefined {
  const { given } = request;
  // `none` turns the search off too: a step whose whole configuration is its own (the GitHub
  // Action) must not pick up the workspace's file. A file called none is given as ./none.
  if (given === NO_PROJECT_FILE) return undefined;
  if (given !== undefined) {
    const path = resolve(io.cwd, given);
    return { path, shownAs: given, text: readProjectFile(path, given, io), discovered: false };
  }
  if (!request.discover) return undefined;
  const found = findProjectFile(io.cwd, home, io);
  if (found === undefined) return undefined;
  assertFoundFileIsTrusted(found, io);
  const shownAs = relative(io.cwd, found) || found;
  const repository = io.realPath(findRepositoryRoot(found, home, io));
  return { path: found, shownAs, text: readProjectFile(found, shownAs, io), discovered: true, repository };
}

function readProjectFile(path: string, shownAs: string, io: ResolveIo): string {
  try {
    return io.readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read the project file ${shownAs}: ${describeReadFailure(error)}`, {
      cause: error,
    });
  }
}
