import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { pipeMaskedOutput } from '../../../src/child/masked-pipes';

/** A child's two pipes, our two sinks, and the signals the child was sent. */
function setUp() {
  const child = { stdout: new PassThrough(), stderr: new PassThrough(), signals: [] as string[] };
  const sinks = { stdout: new PassThrough(), stderr: new PassThrough() };
  const written = { stdout: '', stderr: '' };
  sinks.stdout.on('data', (chunk: Buffer) => (written.stdout += chunk.toString()));
  sinks.stderr.on('data', (chunk: Buffer) => (written.stderr += chunk.toString()));
  const kill = (signal: NodeJS.Signals) => child.signals.push(signal) > 0;
  const output = pipeMaskedOutput({ ...child, kill }, ['top-secret'], sinks);
  return { child, sinks, written, output };
}

describe('the masked pipes', () => {
  test('mask each stream on its own and flush the held-back tail when the stream ends', async () => {
    const { child, written, output } = setUp();
    child.stdout.write('out: top-');
    child.stderr.write('err: top-secret\n');
    child.stdout.end('secret done, top-sec');
    child.stderr.end();
    await output.drained;
    expect(written).toEqual({ stdout: 'out: *** done, top-sec', stderr: 'err: ***\n' });
  });

  test('detach() flushes what is held and stops waiting for pipes someone else keeps open', async () => {
    const { child, written, output } = setUp();
    child.stdout.write('partial top-se');
    await new Promise((resolve) => setImmediate(resolve));
    output.detach();
    await output.drained;
    expect(written.stdout).toBe('partial top-se');
    expect(child.stdout.destroyed).toBe(true);
  });

  test('a broken sink sends the child SIGPIPE once and stops reading its pipe', async () => {
    const { child, sinks, output } = setUp();
    sinks.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    sinks.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    child.stderr.end();
    await output.drained;
    expect(child.signals).toEqual(['SIGPIPE']);
    expect(child.stdout.destroyed).toBe(true);
  });
});
