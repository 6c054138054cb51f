// --metrics-addr through run(argv, deps), stopped where the Vault client would be created: a bad or
// occupied address ends the run with one usage line before anything reaches Vault, and the listener
// a run opened is closed when the run ends, however it ends.
import { connect, createServer } from 'node:net';
import { expect, test } from 'vitest';
import { NO_VAULT_LINE, runUntilVault } from '../resolve/run-until-vault';

const TOKEN_ENV = { VAULT_TOKEN: 'hvs.in-process-test-token-not-real', VAULT_ADDR: 'http://127.0.0.1:1' };

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(true));
  });
}

test.each([
  [['--metrics-addr', '99999'], 'invalid --metrics-addr "99999"'],
  [['--metrics-addr', 'http://0.0.0.0:9464'], 'invalid --metrics-addr "http://0.0.0.0:9464"'],
])('%j is refused before Vault: exit 64, one line', async (flags, line) => {
  const result = await runUntilVault([...flags, '--', 'true'], { env: TOKEN_ENV });
  expect(result.code).toBe(64);
  expect(result.lines).toHaveLength(1);
  expect(result.lines[0]).toContain(line);
  expect(result.vault).toBeUndefined();
});

test('an occupied port is refused before Vault: exit 64, one line', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const result = await runUntilVault(['--', 'true'], {
      env: { ...TOKEN_ENV, VAULT_EXEC_METRICS_ADDR: String(port) },
    });
    expect(result.code).toBe(64);
    expect(result.lines).toEqual([
      `vault-exec: cannot listen on --metrics-addr 127.0.0.1:${port}: the port is in use; pick another port or stop what listens there`,
    ]);
    expect(result.vault).toBeUndefined();
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

test('the listener opened for a run is closed when the run fails', async () => {
  const result = await runUntilVault(['--metrics-addr', '0', '--', 'true'], { env: TOKEN_ENV });
  expect(result.code).toBe(69);
  expect(result.lines.at(-1)).toBe(NO_VAULT_LINE);
  expect(result.vault).toBeDefined();
  const listening = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(result.lines.join('\n'));
  // The start-up line is at info level; the default level shows it.
  expect(listening).not.toBeNull();
  expect(await refuses(Number(listening![1]))).toBe(true);
});

test.each(['check', 'env'])('%s, which starts no child, refuses --metrics-addr', async (command) => {
  const result = await runUntilVault([command, '--metrics-addr', '9464'], { env: TOKEN_ENV });
  expect(result.code).toBe(64);
  expect(result.lines).toHaveLength(1);
  expect(result.lines[0]).toMatch(/--metrics-addr/);
});
