// What a project file vault-exec found by itself may reach. It came with the repository, so a clone must
// not use it to send your files or credentials to its author's server, or to delete your files: `check`
// in a fresh clone must stay harmless. A file given with --config is trusted as given.
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { CredentialSource } from '../cli/auth-plan';
import { DEFAULT_FILE_MODE, parseFileMode, parseTemplateSpec } from '../cli/file-outputs';
import type { Options } from '../cli/merge-options';
import { UsageError, escapeControlCharacters } from '../util/errors';
import type { ResolveIo } from './io';

const CREDENTIAL_FILE_KEYS = [
  ['roleIdFile', 'role-id-file'],
  ['secretIdFile', 'secret-id-file'],
  ['jwtFile', 'jwt-file'],
] as const;

/**
 * Runs before any credential is read:
 * - a credential file the found file names must be inside its repository (real paths, so a
 *   symbolic link in the repository cannot point out of it);
 * - its remove-secret-id-file deletes only a secret_id file inside the repository;
 * - its vault-addr gets AppRole credentials only from files inside the repository, never the
 *   environment's (VAULT_ROLE_ID, VAULT_SECRET_ID exported for another project) nor a file of yours
 *   elsewhere. Your own token and a job's JWT never go to a file's address (own-token-address.ts).
 */
export function checkFoundFileReach(
  file: { path: string; repository: string },
  options: Options,
  io: Pick<ResolveIo, 'realPath' | 'cwd'>,
): void {
  const { values, sources, auth } = options;
  const shown = escapeControlCharacters(file.path);
  const repository = escapeControlCharacters(file.repository);
  const prefix = file.repository.endsWith(sep) ? file.repository : `${file.repository}${sep}`;
  // .git/ is inside, but it is yours, not the clone's: its config may hold a token in a remote URL.
  const inGit = (real: string): boolean => `${real}${sep}`.startsWith(`${prefix}.git${sep}`);
  const inside = (path: string): boolean => {
    const real = realPathOf(resolve(io.cwd, path), io);
    return real.startsWith(prefix) && !inGit(real);
  };
  const whereIs = (path: string): string =>
    inGit(realPathOf(resolve(io.cwd, path), io))
      ? `is in its repository's .git directory, which holds your settings, not the clone's`
      : `is outside its repository ${repository}`;
  const shownPath = (path: string): string => {
    const real = realPathOf(resolve(io.cwd, path), io);
    return escapeControlCharacters(real === resolve(io.cwd, path) ? path : `${path} (really ${real})`);
  };
  const unlessTrusted = 'or pass the project file with --config if you trust it';

  for (const [key, fileKey] of CREDENTIAL_FILE_KEYS) {
    const path = values[key];
    if (sources[key] === 'file' && path !== undefined && !inside(path))
      throw new UsageError(
        `refusing the project file ${shown}: its ${fileKey} ${shownPath(path)} ${whereIs(path)}; keep that file in the repository, ${unlessTrusted}`,
      );
  }
  checkFoundFileOutputs(options, { shown, unlessTrusted, inside, whereIs, shownPath });
  // Whatever the login method: even a client certificate, which cannot be replayed, names you to the
  // clone's author, and their Vault would choose what the child gets.
  if (sources.vaultAddr === 'file' && !isOnThisMachine(values.vaultAddr))
    throw new UsageError(
      `refusing the project file ${shown}: its vault-addr is not on this machine, and a found file's address is used only for a Vault on loopback (a local development server); if you trust that address, set VAULT_ADDR or --vault-addr yourself, ${unlessTrusted}`,
    );
  if (auth.method !== 'approle') return;
  const secretIdFile = auth.secretId?.kind === 'file' ? auth.secretId.path : undefined;
  if (sources.removeSecretIdFile === 'file' && auth.removeSecretIdFile && secretIdFile !== undefined) {
    if (!inside(secretIdFile))
      throw new UsageError(
        `refusing the project file ${shown}: its remove-secret-id-file would delete ${shownPath(secretIdFile)}, which ${whereIs(secretIdFile)}; drop remove-secret-id-file from it, ${unlessTrusted}`,
      );
  }
  if (sources.vaultAddr !== 'file') return;
  // Even on loopback, AppRole credentials go there only when the repository holds them.
  const foreign = (
    [
      ['role_id', auth.roleId],
      ['secret_id', auth.secretId],
    ] as const
  ).find(([, source]) => source !== undefined && !(source.kind === 'file' && inside(source.path)));
  if (foreign === undefined) return;
  const [what, source] = foreign;
  throw new UsageError(
    `${shown} sets vault-addr, but the ${what} (from ${describeSource(source!)}) is not the repository's, and only goes to an address you set: if you trust that address, set VAULT_ADDR or --vault-addr yourself, ${unlessTrusted}`,
  );
}

/**
 * Files are written, and at start an earlier run's are deleted, in the files directory: a found file
 * must not choose it (it could overwrite or delete yours), so its files go to a fresh private
 * directory. Nor may it widen their mode, or open the metrics listener beyond loopback. A template is
 * read and its text written out: only one the repository holds.
 */
function checkFoundFileOutputs(
  { values, sources, base }: Options,
  reach: {
    shown: string;
    unlessTrusted: string;
    inside(path: string): boolean;
    whereIs(path: string): string;
    shownPath(path: string): string;
  },
): void {
  if (sources.filesDir === 'file')
    throw new UsageError(
      `refusing the project file ${reach.shown}: its files-dir would choose where secret files are written and old ones deleted; drop files-dir from it (its files then go to a fresh private directory), set --files-dir yourself, ${reach.unlessTrusted}`,
    );
  // Its files are read by you alone, and its metrics by this machine alone, unless you say otherwise.
  const host = base.metricsAddr?.host;
  if (sources.metricsAddr === 'file' && host !== undefined && !isLoopbackHost(host))
    throw new UsageError(
      `refusing the project file ${reach.shown}: its metrics-addr listens on ${escapeControlCharacters(host)}, not only on this machine; drop the host (a bare port listens on 127.0.0.1) or set --metrics-addr yourself, ${reach.unlessTrusted}`,
    );
  if (sources.fileMode === 'file' && base.files.mode !== parseFileMode(DEFAULT_FILE_MODE))
    throw new UsageError(
      `refusing the project file ${reach.shown}: its file-mode ${escapeControlCharacters(values.fileMode)} would widen who may read the secret files (the default is ${DEFAULT_FILE_MODE}); drop file-mode from it, set --file-mode yourself, ${reach.unlessTrusted}`,
    );
  if (sources.template !== 'file') return;
  for (const { source } of values.template.map(parseTemplateSpec))
    if (!reach.inside(source))
      throw new UsageError(
        `refusing the project file ${reach.shown}: its template ${reach.shownPath(source)} ${reach.whereIs(source)}; keep templates in the repository, ${reach.unlessTrusted}`,
      );
}

/** 127.0.0.0/8, ::1 and localhost: a server of this machine's, which a clone cannot listen on by itself. */
export function isOnThisMachine(address: string): boolean {
  return isLoopbackHost(new URL(address).hostname);
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function describeSource(source: CredentialSource): string {
  return source.kind === 'env' ? source.name : `${source.flag} ${escapeControlCharacters(source.path)}`;
}

/** A file that does not exist is placed by its directory's real path. */
function realPathOf(path: string, io: Pick<ResolveIo, 'realPath'>): string {
  try {
    return io.realPath(path);
  } catch {
    try {
      return join(io.realPath(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}
