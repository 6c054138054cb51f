// The resolve step: the only I/O before Vault. It reads the project file (found and trusted, or
// given), hands its text to the pure merge, then looks up --user and reads the credentials, and
// applies the rules on what a project file may reach.
import { resolveRunAs } from './run-as';
import type { Config } from '../cli/config';
import { mergeOptions } from '../cli/merge-options';
import type { ParsedCommandLine } from '../cli/parse-command-line';
import type { Env } from '../util/env';
import { resolveAuth } from './credentials';
import { checkFoundFileReach } from './found-file-reach';
import type { ResolveIo } from './io';
import { openProjectFile } from './open-project-file';
import { refuseFileAddressForOwnToken } from './own-token-address';
import { readTemplates } from './read-templates';

export interface ResolvedCommand {
  kind: ParsedCommandLine['kind'];
  config: Config;
}

export function resolveConfig(line: ParsedCommandLine, env: Env, io: ResolveIo): ResolvedCommand {
  const projectFile = openProjectFile(line.projectFile, realHome(env, io), io);
  const options = mergeOptions(line, env, projectFile);
  // First: a wrong --user fails before anything reads credentials or waits for Vault. check looks
  // it up as the start would; env starts no child, so it has no use for one.
  const runAs =
    options.values.user === undefined || options.kind === 'env'
      ? undefined
      : resolveRunAs(options.values.user, { readFile: io.readFile, uid: io.uid, gid: io.gid });
  if (projectFile?.repository !== undefined)
    checkFoundFileReach({ path: projectFile.path, repository: projectFile.repository }, options, io);
  const auth = resolveAuth(options.auth, env, io);
  if (projectFile !== undefined && options.sources.vaultAddr === 'file')
    refuseFileAddressForOwnToken({ fileAddress: options.values.vaultAddr, auth, file: projectFile.path });
  const files = { ...options.base.files, templates: readTemplates(options.templateSources, io) };
  return { kind: options.kind, config: { ...options.base, files, auth, runAs } };
}

/**
 * Where the project file's search stops, compared with real paths (the working directory is one):
 * a HOME reached through a symbolic link, or unset, must still stop it.
 */
function realHome(env: Env, io: ResolveIo): string | undefined {
  const home = env.HOME?.trim() || io.accountHome();
  if (home === undefined || home === '') return undefined;
  try {
    return io.realPath(home);
  } catch {
    return home;
  }
}
