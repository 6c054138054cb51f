// A secret that no environment can carry (over MAX_ARG_STRLEN, or with a NUL byte) is refused before
// the spawn with exit 65 and one line naming the variable, instead of the kernel's bare E2BIG.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { childEnvFrom, cliEnv, leakedSecrets, provisionApp, type AppCredentials } from '../support/app-role';
import { rememberSecret } from '../support/leak-scan';
import { cliCommand, fixture, killAllStarted, runCli } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

/** Linux's MAX_ARG_STRLEN on 4 KiB pages: one NAME=value string with its NUL. */
const MAX_ARG_STRLEN = 131_072;

const vault = useVaultServer();
const printEnv = ['node', fixture('print-env.mjs')];
/** A secret-looking value of exactly `bytes` ASCII bytes, registered with the leak scan. */
const valueOf = (bytes: number): string =>
  rememberSecret(randomBytes(bytes).toString('base64').slice(0, bytes).replace(/[+/]/g, 'x'));

// "PEM=" + value + NUL is exactly the limit.
const justUnder = valueOf(MAX_ARG_STRLEN - 'PEM='.length - 1);
const bundle = valueOf(200 * 1024);
const withNul = `${valueOf(16)}\u0000${valueOf(16)}`;
/** Each under the per-string limit; together over the 128 KiB a 512 KiB stack limit leaves. */
const parts = { a: valueOf(60 * 1024), b: valueOf(50 * 1024), c: valueOf(40 * 1024) };
let app: AppCredentials;

beforeAll(async () => {
  const { admin } = vault();
  await admin.writeKv2('limits/pem', { fits: justUnder, bundle });
  await admin.writeKv2('limits/imported', { bundle });
  await admin.writeKv2('limits/binary', { value: withNul });
  await admin.writeKv2('limits/parts', parts);
  app = await provisionApp(vault(), { readPaths: ['secret/data/limits/*'] });
});
afterEach(() => killAllStarted());

const run = (args: string[]) => runCli([...args, '--', ...printEnv], { env: cliEnv(vault(), app) });
/** vault-exec's own lines about the child's environment (the run is at debug level, so there are others). */
const envLines = (stderr: string) =>
  stderr.split('\n').filter((line) => line.startsWith('vault-exec:') && line.includes("child's variable"));

describe('refused before the spawn with exit 65', () => {
  test('a 200 KiB secret, naming the variable and the 128 KiB limit, with no child', async () => {
    const result = await run(['--secret', 'PEM=secret/limits/pem#bundle']);
    expect(result.code).toBe(65);
    expect(result.stdout).not.toContain('ENV ');
    expect(envLines(result.stderr)).toEqual([
      "vault-exec: the child's variable PEM is 204805 bytes (200.0 KiB) as NAME=value, over the kernel's limit of 131072 bytes for one environment string (MAX_ARG_STRLEN): store it in a file the app reads (or split it into several secrets)",
    ]);
    expect(result.stderr).not.toMatch(/E2BIG|\n\s+at /);
  });

  test('a 200 KiB value imported with --secrets, named by the variable it would become', async () => {
    const result = await run(['--secrets', 'CERT_=secret/limits/imported']);
    expect(result.code).toBe(65);
    expect(result.stdout).not.toContain('ENV ');
    expect(result.stderr).toContain("the child's variable CERT_BUNDLE is 204813 bytes");
  });

  test('a NUL byte in a secret, naming the variable and never showing the value', async () => {
    const result = await run(['--secret', 'BLOB=secret/limits/binary#value']);
    expect(result.code).toBe(65);
    expect(result.stdout).not.toContain('ENV ');
    expect(result.stderr).toContain(
      "vault-exec: the child's variable BLOB contains a NUL byte, which no environment variable can hold",
    );
  });
});

test('a value whose NAME=value is exactly at the limit reaches the child', async () => {
  const result = await run(['--secret', 'PEM=secret/limits/pem#fits']);
  expect(result.code, result.stderr).toBe(0);
  expect(childEnvFrom(result.stdout).PEM).toBe(justUnder);
});

test('an environment over the total the stack limit allows is refused, naming the biggest variables', async () => {
  // ulimit -s 512 (KiB): execve then takes 128 KiB of strings in all, less than the three parts.
  const failure = await promisify(execFile)(
    'sh',
    [
      '-c',
      'ulimit -s 512 && exec "$0" "$@"',
      ...cliCommand,
      '--secrets',
      'PART_=secret/limits/parts',
      '--',
      ...printEnv,
    ],
    { env: cliEnv(vault(), app), maxBuffer: 1 << 20 },
  ).then(
    () => expect.fail('vault-exec should have refused the environment'),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  expect(failure.code).toBe(65);
  expect(failure.stdout).not.toContain('ENV ');
  expect(failure.stderr).toMatch(
    /vault-exec: the child's environment and arguments take \d+ bytes \([\d.]+ KiB\), over the kernel's limit of 131072 bytes \(a quarter of the stack limit, ulimit -s\); the biggest variables are PART_A \(61448 bytes\), PART_B \(51208 bytes\), PART_C \(40968 bytes\): move large values into files/,
  );
  expect(leakedSecrets(failure.stderr, Object.values(parts))).toEqual([]);
});
