// run(argv, deps) in-process up to the Vault client: the resolve step reads an in-memory tree, and
// creating the client ends the run with 69, so a test sees whether the start got as far as Vault
// and with what, or which one line stopped it.
import type { Config } from '../../../src/cli/config';
import { run } from '../../../src/run';
import { VaultUnavailableError } from '../../../src/util/errors';
import { memoryIo, type MemoryTree } from './memory-io';

export interface InProcessRun {
  code: number;
  /** stderr, one entry per line. */
  lines: string[];
  stdout: string;
  /** What the client would have been created with; undefined when the run stopped before Vault. */
  vault?: { address: string; tls: Config['tls'] };
  /** Every file the resolve step read. */
  read: string[];
}

export const NO_VAULT_LINE = 'vault-exec: no Vault in this test';

export async function runUntilVault(
  argv: string[],
  options: {
    env?: Record<string, string>;
    tree?: MemoryTree;
    cwd?: string;
    uid?: number;
    /** Your home in the account database (for when HOME is unset). */
    accountHome?: string;
  } = {},
): Promise<InProcessRun> {
  let stderr = '';
  let stdout = '';
  let vault: InProcessRun['vault'];
  const io = memoryIo(options.tree ?? {}, {
    cwd: options.cwd ?? '/',
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.accountHome === undefined ? {} : { accountHome: () => options.accountHome }),
  });
  const code = await run(argv, {
    env: options.env ?? {},
    writeStdout: (text) => (stdout += text),
    writeStderr: (text) => (stderr += text),
    onSignals: () => {},
    isPidOne: false,
    resolveIo: io,
    createVaultClient: (client) => {
      vault = { address: client.address, tls: client.tls };
      throw new VaultUnavailableError('no Vault in this test');
    },
  });
  return { code, lines: stderr.trim().split('\n'), stdout, vault, read: io.read };
}
