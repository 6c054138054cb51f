import { expect, test } from 'vitest';
import { createLogger } from '../../../src/util/log';

function capture(level: 'error' | 'warn' | 'info' | 'debug', format: 'text' | 'json' = 'text') {
  const lines: string[] = [];
  const log = createLogger({ level, format, write: (line) => lines.push(line), now: () => new Date(0) });
  return { log, lines };
}

test('writes one prefixed line per event and filters by level', () => {
  const { log, lines } = capture('info');
  log.info('hello');
  log.debug('hidden');
  log.warn('careful');
  expect(lines).toEqual(['vault-exec: hello\n', 'vault-exec: warning: careful\n']);
});

test('writes JSON lines with level, message and fields', () => {
  const { log, lines } = capture('debug', 'json');
  log.error('boom', { exitCode: 77 });
  expect(JSON.parse(lines[0]!)).toEqual({
    time: '1970-01-01T00:00:00.000Z',
    level: 'error',
    msg: 'boom',
    exitCode: 77,
  });
});

test('masks every registered secret, also in its JSON-escaped spelling', () => {
  const { log, lines } = capture('debug', 'json');
  log.redact('s3cr"et-value');
  log.info('value is s3cr"et-value', { field: 's3cr"et-value' });
  expect(lines.join('')).not.toContain('s3cr');
  expect(lines.join('')).toContain('[redacted]');
});

test('a guarded stream masks registered secrets in everything written to it, whoever writes', async () => {
  const { PassThrough } = await import('node:stream');
  const { createRedactor, guardStream } = await import('../../../src/util/log');
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const redactor = createRedactor();
  guardStream(stream as unknown as NodeJS.WriteStream, redactor);
  redactor.add('hvs.CAESIexampletoken');
  stream.write("NET 123: createConnection { 'X-Vault-Token': 'hvs.CAESIexampletoken' }\n");
  stream.write(Buffer.from('again hvs.CAESIexampletoken\n'));
  expect(chunks.join('')).toBe(
    "NET 123: createConnection { 'X-Vault-Token': '[redacted]' }\nagain [redacted]\n",
  );
});

test('a secret that starts with a shorter one is masked whole, and overlapping secrets leave nothing', async () => {
  const { createRedactor } = await import('../../../src/util/log');
  const redactor = createRedactor();
  redactor.add('abc');
  redactor.add('abcdef');
  redactor.add('xab');
  expect(redactor.mask('1 abcdef 2 abc 3 xabcdef 4')).toBe('1 [redacted] 2 [redacted] 3 [redacted] 4');
});

test('values of three characters are masked; shorter ones are reported at debug, without the value', () => {
  const { log, lines } = capture('debug');
  log.redact('q7z');
  log.redact('k9');
  log.info('q7z and k9');
  expect(lines).toEqual([
    'vault-exec: a secret value of 2 characters is too short to be masked in log lines\n',
    'vault-exec: [redacted] and k9\n',
  ]);
});
