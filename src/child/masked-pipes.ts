// --mask's pipes: the child's stdout and stderr, each through its own masker (secret-masker.ts), to
// vault-exec's stdout and stderr; and what to do when the child's output outlives it or our reader goes.
import type { Readable } from 'node:stream';
import { writeUnguarded } from '../util/log';
import { createOutputMasker, maskPatternsOf } from './secret-masker';

/**
 * After the child exits, how long its pipes may stay open (a grandchild that inherited them, a
 * daemon it started) before vault-exec flushes what it has and stops waiting. Short: all the child
 * wrote before it exited is already in the pipe and arrives at once.
 */
export const PIPE_DRAIN_GRACE_MS = 500;

export interface MaskedOutput {
  /** Resolves once both pipes ended and every held byte was written. */
  drained: Promise<void>;
  /** Stops reading (the grace is over) and writes the held-back tails. */
  detach(): void;
}

/** Feeds the child's stdout and stderr through a masker each, to vault-exec's own stdout and stderr. */
export function pipeMaskedOutput(
  child: { stdout: Readable | null; stderr: Readable | null; kill(signal: NodeJS.Signals): boolean },
  values: readonly string[],
  sinks: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): MaskedOutput {
  const patterns = maskPatternsOf(values);
  const pipes = [
    pipeOne(child.stdout!, sinks.stdout, patterns, child),
    pipeOne(child.stderr!, sinks.stderr, patterns, child),
  ];
  return {
    drained: Promise.all(pipes.map((pipe) => pipe.ended)).then(() => {}),
    detach: () => pipes.forEach((pipe) => pipe.finish()),
  };
}

function pipeOne(
  source: Readable,
  sink: NodeJS.WritableStream,
  patterns: Buffer[],
  child: { kill(signal: NodeJS.Signals): boolean },
): { ended: Promise<void>; finish(): void } {
  const masker = createOutputMasker(patterns);
  let open = true;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const send = (bytes: Buffer): void => {
    if (bytes.length > 0) writeUnguarded(sink, bytes);
  };
  const finish = (): void => {
    if (!open) return;
    open = false;
    send(masker.end());
    source.destroy();
    stopWatchingSink();
    resolveEnded();
  };
  source.on('data', (chunk: Buffer) => {
    if (open) send(masker.write(chunk));
  });
  source.on('end', finish);
  source.on('error', finish);
  // Our reader went away (`vault-exec --mask -- cmd | head`) while passing on what the child wrote.
  // Writing to that closed pipe itself, the child would have got SIGPIPE: send it. (Its end of our
  // pipe is a socket, and closing it would give an ECONNRESET no program expects.) Later errors of
  // the same broken stream are ignored.
  const stopWatchingSink = onSinkError(sink, () => {
    if (!open) return;
    open = false;
    child.kill('SIGPIPE');
    source.destroy();
    resolveEnded();
  });
  return { ended, finish };
}

const sinkErrorHandlers = new WeakMap<NodeJS.WritableStream, Set<() => void>>();

/**
 * One listener per stream for good, shared by the children of every restart: it must outlive a
 * child, since the error of its last write can come after it ended, and one per child would pile up.
 */
function onSinkError(sink: NodeJS.WritableStream, handler: () => void): () => void {
  let handlers = sinkErrorHandlers.get(sink);
  if (handlers === undefined) {
    const created = new Set<() => void>();
    sink.on('error', () => created.forEach((each) => each()));
    sinkErrorHandlers.set(sink, created);
    handlers = created;
  }
  handlers.add(handler);
  return () => handlers.delete(handler);
}
