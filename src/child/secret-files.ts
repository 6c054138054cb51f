// The files the child reads its secrets from (--file, --template, --certificate): a private directory,
// each file written whole or not at all (a temporary file in the same directory, then a rename), owned
// by the child's account, and removed when vault-exec exits. Synchronous on purpose: between the
// first write and the child's start, and between a rewrite and its signal, no signal can intervene.
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  statfsSync,
  chmodSync,
  chownSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../cli/config';
import type { Env } from '../util/env';
import { VaultExecError, escapeControlCharacters } from '../util/errors';
import { EXIT } from '../util/exit-codes';
import type { Logger } from '../util/log';

/** Filesystems that never write to a disk: tmpfs (/dev/shm, /run/user/N) and ramfs. */
const MEMORY_FILESYSTEMS = new Set([0x01021994, 0x858458f6]);
/** Lists what an earlier run in the same directory wrote, so a run after a SIGKILL can remove it. */
export const MANIFEST = '.vault-exec-files';
const TEMP_PREFIX = '.vault-exec-tmp-';
const FRESH_PREFIX = 'vault-exec-files.';

export interface SecretFilesOptions {
  /** --files-dir, named by the user: may be disk-backed. */
  explicitDir?: string;
  /** The env XDG_RUNTIME_DIR is read from. */
  env: Env;
  mode: number;
  /** --user: the files and the directory are the child's account's. */
  owner?: { uid: number; gid: number };
  log: Logger;
}

export function filesError(message: string, cause?: unknown): VaultExecError {
  return new VaultExecError(message, EXIT.filesUnwritable, { cause });
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such directory',
  ENOTDIR: 'a file stands where a directory should be',
  ENOSPC: 'no space left',
  EROFS: 'read-only filesystem',
};

function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code && REASONS[code]) ?? code ?? (error as Error).message;
}

export function isMemoryBacked(path: string): boolean {
  try {
    return MEMORY_FILESYSTEMS.has(Number(statfsSync(path).type));
  } catch {
    return false;
  }
}

/**
 * XDG_RUNTIME_DIR is one user's (0700): with --user, only that user's own is of use to the child.
 */
function usableRuntimeDir(runtime: string | undefined, owner?: { uid: number }): string | undefined {
  if (!runtime || owner === undefined) return runtime || undefined;
  try {
    return statSync(runtime).uid === owner.uid ? runtime : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the default directory goes: $XDG_RUNTIME_DIR (per user, 0700, tmpfs) when set (with --user,
 * when it is that user's), else /dev/shm.
 * One that is not memory-backed is refused rather than silently used: secrets on a disk outlive a
 * SIGKILL and end up in backups and images.
 */
export function defaultBase(env: Env, owner?: { uid: number }): string {
  const runtime = usableRuntimeDir(env.XDG_RUNTIME_DIR?.trim(), owner);
  const base = runtime ? runtime : '/dev/shm';
  const source = runtime ? `XDG_RUNTIME_DIR (${escapeControlCharacters(runtime)})` : '/dev/shm';
  if (!isMemoryBacked(base))
    throw filesError(
      `${source} is not a memory-backed filesystem, so the secret files would be written to a disk and outlive vault-exec; name a directory with --files-dir (a disk-backed one is accepted only when named)`,
    );
  return base;
}

/** Where the files go, as `planFilesDir` decided it. */
export type FilesDirPlan =
  { kind: 'fresh'; base: string } | { kind: 'make'; dir: string } | { kind: 'existing'; dir: string };

type DirOptions = Pick<SecretFilesOptions, 'explicitDir' | 'env' | 'mode' | 'owner'>;

/** What a configuration asks of the directory: one reading of it, for the start and for check alike. */
export function filesDirOptions(config: Pick<Config, 'files' | 'runAs'>, env: Env): DirOptions {
  return {
    explicitDir: config.files.dir,
    env,
    mode: config.files.mode,
    owner: config.runAs && { uid: config.runAs.uid, gid: config.runAs.gid },
  };
}

/**
 * Decides where the files go and refuses what the start would refuse, writing nothing: `check` and a
 * start share it. An existing --files-dir is used only as it is: owned by the account that reads the
 * files and closed to everyone else. Its mode is never changed (it is the user's, and a chmod would
 * outlive us), and a directory others can enter would let them plant the manifest or swap a file.
 * Throws exit 73, one line.
 */
export function planFilesDir(options: DirOptions): FilesDirPlan {
  const { explicitDir: dir } = options;
  if (dir === undefined) return { kind: 'fresh', base: defaultBase(options.env, options.owner) };
  try {
    let stats: Stats;
    try {
      stats = statSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      accessSync(dirname(dir), constants.W_OK | constants.X_OK);
      return { kind: 'make', dir };
    }
    if (!stats.isDirectory()) throw filesError(`--files-dir ${dir} is not a directory`);
    refuseSharedDir(dir, stats, options);
    accessSync(dir, constants.W_OK | constants.X_OK);
    return { kind: 'existing', dir };
  } catch (error) {
    throw unpreparable(error, dir);
  }
}

function unpreparable(error: unknown, dir: string | undefined): VaultExecError {
  if (error instanceof VaultExecError) return error;
  return filesError(
    `cannot prepare the directory for secret files${dir ? ` ${dir}` : ''}: ${why(error)}; name a writable directory with --files-dir`,
    error,
  );
}

/** The account the files are for: --user's, else our own. */
function filesUid(owner?: { uid: number }): number {
  return owner?.uid ?? process.geteuid?.() ?? 0;
}

/** The directory's mode for this --file-mode: the group may enter only if it may read the files. */
function directoryMode(mode: number): number {
  return 0o700 | ((mode & 0o040) !== 0 ? 0o050 : 0);
}

function refuseSharedDir(dir: string, stats: Stats, { mode, owner }: DirOptions): void {
  const uid = filesUid(owner);
  if (stats.uid !== uid)
    throw filesError(
      `--files-dir ${dir} belongs to uid ${stats.uid}, not to ${owner ? 'the --user account' : "vault-exec's"} (uid ${uid}): secret files go only into a directory of the account that reads them; chown it, or name a new directory for vault-exec to make`,
    );
  const allowed = directoryMode(mode);
  if ((stats.mode & 0o777 & ~allowed) !== 0)
    throw filesError(
      `--files-dir ${dir} is ${octal(stats.mode)}, open to other users: secret files go only into a directory no one else can enter, and vault-exec does not change an existing directory's mode; chmod ${octal(allowed)} it, or name a new directory for vault-exec to make`,
    );
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

export class SecretFiles {
  /** What is in the directory now, by name, so a rewrite touches only what changed. */
  private readonly written = new Map<string, string>();
  private removed = false;

  private constructor(
    readonly dir: string,
    /** Made by this run: removed whole at exit. */
    private readonly created: boolean,
    private readonly options: SecretFilesOptions,
  ) {}

  /** Makes (or takes) the directory and clears what an earlier run left in it. Throws exit 73. */
  static open(options: SecretFilesOptions): SecretFiles {
    const { log } = options;
    const plan = planFilesDir(options);
    try {
      let dir: string;
      if (plan.kind === 'fresh') {
        const namespace = pidNamespace();
        if (namespace !== undefined) removeStaleFreshDirs(plan.base, namespace, log);
        dir = mkdtempSync(join(plan.base, `${FRESH_PREFIX}${namespace ?? 'x'}.${process.pid}.`));
      } else {
        dir = plan.dir;
        if (plan.kind === 'make') mkdirSync(dir, { mode: 0o700 });
        if (!isMemoryBacked(dir))
          log.info(
            `--files-dir ${dir} is disk-backed: the secret files are removed at exit, but a SIGKILL leaves them until the next start in this directory`,
          );
      }
      const files = new SecretFiles(dir, plan.kind !== 'existing', options);
      if (plan.kind !== 'existing') files.secureDirectory();
      files.removeStale();
      return files;
    } catch (error) {
      throw unpreparable(error, options.explicitDir);
    }
  }

  /**
   * Writes the files whose content changed: every temporary file first, then the renames, so a failure
   * leaves the old files as they were. Returns the names it wrote. Throws exit 73, one line.
   */
  write(files: ReadonlyMap<string, string>): string[] {
    const changed = [...files].filter(([name, content]) => this.written.get(name) !== content);
    if (changed.length === 0) return [];
    const staged: Array<{ name: string; temp: string }> = [];
    let current = '';
    try {
      for (const [name, content] of changed) {
        current = name;
        const temp = join(this.dir, `${TEMP_PREFIX}${name}.${randomSuffix()}`);
        staged.push({ name, temp });
        writeNewFile(temp, 'wx', content, this.options.mode, this.options.owner);
      }
      // Before the renames: whatever a SIGKILL leaves, the next start in this directory finds listed.
      this.recordManifest([...new Set([...this.written.keys(), ...files.keys()])]);
      for (const { name, temp } of staged) {
        current = name;
        renameSync(temp, join(this.dir, name));
      }
    } catch (error) {
      for (const { temp } of staged) tryUnlink(temp);
      throw filesError(
        `cannot write the secret file ${current} in ${this.dir}: ${why(error)}; the files and the child were left as they were`,
        error,
      );
    }
    for (const [name, content] of changed) this.written.set(name, content);
    return changed.map(([name]) => name);
  }

  /** At every exit; never throws. What it cannot remove it says, by name. */
  removeAll(): void {
    if (this.removed) return;
    this.removed = true;
    try {
      if (this.created) rmSync(this.dir, { recursive: true, force: true });
      else {
        for (const name of this.written.keys()) tryUnlink(join(this.dir, name));
        tryUnlink(join(this.dir, MANIFEST));
      }
      this.options.log.debug(`removed the secret files in ${this.dir}`, { event: 'files-removed' });
    } catch (error) {
      this.options.log.warn(
        `could not remove the secret files in ${this.dir}: ${why(error)}; remove them by hand`,
      );
    }
  }

  /** Only a directory this run made: an existing one is taken as it is (planFilesDir). */
  private secureDirectory(): void {
    const { mode, owner } = this.options;
    chmodSync(this.dir, directoryMode(mode));
    if (owner) chownSync(this.dir, owner.uid, owner.gid);
  }

  /**
   * An earlier run's files in the same directory (it was SIGKILLed): what its manifest names, and
   * temporaries. Trusted only as far as they look like ours: a manifest that is a regular file of our
   * own, 0600; names that are regular files of the files' account, with no bits a --file-mode cannot
   * have. Anything else is left where it is.
   */
  private removeStale(): void {
    const candidates = new Set(this.readManifest());
    for (const name of readdirSync(this.dir)) if (name.startsWith(TEMP_PREFIX)) candidates.add(name);
    const uids = new Set([process.geteuid?.() ?? 0, filesUid(this.options.owner)]);
    let removed = 0;
    for (const name of candidates) {
      const path = join(this.dir, name);
      const stats = tryLstat(path);
      if (!stats?.isFile() || !uids.has(stats.uid) || (stats.mode & 0o7777 & ~0o640) !== 0) continue;
      tryUnlink(path);
      removed++;
    }
    tryUnlink(join(this.dir, MANIFEST));
    if (removed === 0) return;
    this.options.log.info(
      `removed ${removed} stale file${removed === 1 ? '' : 's'} an earlier run left in ${this.dir}`,
      {
        event: 'files-stale-removed',
      },
    );
  }

  private readManifest(): string[] {
    const path = join(this.dir, MANIFEST);
    const stats = tryLstat(path);
    if (stats === undefined) return []; // No earlier run here.
    if (!stats.isFile() || stats.uid !== (process.geteuid?.() ?? 0) || (stats.mode & 0o7777) !== 0o600) {
      this.options.log.warn(
        `ignored ${path}: it is not a manifest vault-exec wrote (a regular file of its own, mode 0600), so nothing it lists is removed`,
      );
      return [];
    }
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((name) => name !== '' && !name.includes('/') && name !== MANIFEST);
  }

  /** Whole or not at all, like the files: never written through a link someone left in its place. */
  private recordManifest(names: string[]): void {
    const temp = join(this.dir, `${TEMP_PREFIX}${MANIFEST}.${randomSuffix()}`);
    try {
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      writeNewFile(temp, flags, `${names.join('\n')}\n`, 0o600);
      renameSync(temp, join(this.dir, MANIFEST));
    } catch (error) {
      tryUnlink(temp);
      throw error;
    }
  }
}

/**
 * Creates the file at `path` (`flags` refuse an existing one) with all of `content`, then its owner and
 * mode, and syncs it. The mode is set after writing and after chown (which may clear mode bits), and
 * whatever the umask said.
 */
function writeNewFile(
  path: string,
  flags: string | number,
  content: string,
  mode: number,
  owner?: { uid: number; gid: number },
): void {
  const fd = openSync(path, flags, 0o600);
  try {
    const data = Buffer.from(content);
    for (let offset = 0; offset < data.length;) offset += writeSync(fd, data, offset, data.length - offset);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, mode);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The PID namespace's inode: a pid means something only inside its namespace, and containers that
 * share /dev/shm (a Kubernetes pod's) each have their own, where every vault-exec may be pid 1.
 */
function pidNamespace(): string | undefined {
  try {
    return /\[([0-9]+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Fresh directories of runs that no longer exist (SIGKILLed): only those of this PID namespace, whose
 * pid is gone or is ours (then an earlier run had it). Another namespace's are never touched.
 */
function removeStaleFreshDirs(base: string, namespace: string, log: Logger): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^vault-exec-files\.([0-9]+)\.([0-9]+)\./.exec(name);
    if (match?.[1] !== namespace) continue;
    const pid = Number(match[2]);
    const path = join(base, name);
    try {
      // Root's runs chown their directory to --user's account; others' must be their own.
      if (process.getuid?.() !== 0 && statSync(path).uid !== process.getuid?.()) continue;
      if (pid !== process.pid && isAlive(pid)) continue;
      rmSync(path, { recursive: true, force: true });
      log.info(`removed ${path}, left by an earlier run that no longer exists`, {
        event: 'files-stale-removed',
      });
    } catch {
      // Another user's, or gone meanwhile.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** A temporary file's unguessable part; node:crypto is loaded at the first write, not at every start. */
function randomSuffix(): string {
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  return randomBytes(6).toString('hex');
}
