import type { Readable } from 'node:stream';
import { writeUnguarded } from '../log';
import { createOutputMasker, maskPatternsOf } from './output-mask';

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
  child: { stdout: Readable | null; stderr: Readable | null },
  values: readonly string[],
  sinks: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): MaskedOutput {
  const patterns = maskPatternsOf(values);
  const pipes = [
    pipeOne(child.stdout!, sinks.stdout, patterns),
    pipeOne(child.stderr!, sinks.stderr, patterns),
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
    resolveEnded();
  };
  source.on('data', (chunk: Buffer) => {
    if (open) send(masker.write(chunk));
  });
  source.on('end', finish);
  source.on('error', finish);
  // Our reader went away (`vault-exec --mask -- cmd | head`): close the child's pipe too, so it gets
  // EPIPE or SIGPIPE exactly as it would writing to the closed pipe itself.
  sink.once('error', () => {
    open = false;
    source.destroy();
    resolveEnded();
  });
  return { ended, finish };
}
