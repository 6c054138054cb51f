// What execve(2) accepts, as Linux computes it for the process we are about to start: from the page
// size and the stack limit the child will inherit (fs/exec.c).
import { readFileSync } from 'node:fs';
import { arch, endianness } from 'node:os';

export interface ExecLimits {
  /** MAX_ARG_STRLEN: the longest single argv or envp string, its NUL included (32 pages). */
  maxStringBytes: number;
  /** Room for all argv and envp strings plus their pointers; undefined where it cannot be known. */
  totalBytes?: number;
}

/** The page size nearly every Linux machine uses; 32 of them are the 128 KiB MAX_ARG_STRLEN. */
const DEFAULT_PAGE_SIZE = 4096;
const PAGES_PER_STRING = 32;
/** fs/exec.c: the strings may use a quarter of the stack limit, capped at 3/4 of _STK_LIM (8 MiB)... */
const TOTAL_CAP_BYTES = 6 * 1024 * 1024;
/** ...and never less than ARG_MAX, a fixed 128 KiB (32 pages of 4 KiB), whatever the page size or stack limit. */
const ARG_MAX_BYTES = 131_072;
const AT_PAGESZ = 6n;

/** Reads the page size and the stack limit the child will inherit; never throws. */
export function readExecLimits(): ExecLimits {
  return execLimitsFor(readPageSize() ?? DEFAULT_PAGE_SIZE, readStackLimit());
}

/** The limits for a page size and a soft stack limit, as fs/exec.c computes them. */
export function execLimitsFor(pageSize: number, stack: number | 'unlimited' | undefined): ExecLimits {
  return {
    maxStringBytes: PAGES_PER_STRING * pageSize,
    totalBytes:
      stack === undefined
        ? undefined
        : Math.max(ARG_MAX_BYTES, Math.min(TOTAL_CAP_BYTES, stack === 'unlimited' ? Infinity : stack / 4)),
  };
}

/** The soft `Max stack size` of /proc/self/limits (ulimit -s), which execve sizes its room from. */
export function parseStackLimit(limits: string): number | 'unlimited' | undefined {
  const match = /^Max stack size\s+(\S+)/m.exec(limits);
  if (!match) return undefined;
  if (match[1] === 'unlimited') return 'unlimited';
  const bytes = Number(match[1]);
  return Number.isFinite(bytes) ? bytes : undefined;
}

function readStackLimit(): number | 'unlimited' | undefined {
  try {
    return parseStackLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/** AT_PAGESZ from the auxiliary vector: 64 KiB-page kernels (some arm64) allow 2 MiB strings. */
function readPageSize(): number | undefined {
  if (!['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64'].includes(arch())) return undefined;
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const read = (offset: number): bigint =>
      endianness() === 'LE' ? auxv.readBigUInt64LE(offset) : auxv.readBigUInt64BE(offset);
    for (let offset = 0; offset + 16 <= auxv.length; offset += 16) {
      if (read(offset) === AT_PAGESZ) return Number(read(offset + 8));
    }
  } catch {
    // Not Linux, or /proc is not mounted: the common default applies.
  }
  return undefined;
}
