// Reaching into the running compose stack: commands inside its containers, the Vault and database
// state behind them, and the processes (with their argv and environment) the apps run as.
import { expect } from 'vitest';
import { containerName, podman, type Engine } from './engine';

// The root token vault-init keeps in the vault-keys volume (dev only), read inside the container so
// that it never passes through the test's output.
const WITH_ROOT_TOKEN = 'VAULT_TOKEN="$(cat /vault/keys/root-token)"; export VAULT_TOKEN;';

/** The helpers, for the engine the test file prepares in its beforeAll (hence the getter). */
export function reachStack(getEngine: () => Engine) {
  /** Runs a command inside a running container (as root unless a user is given). */
  async function exec(service: string, command: string[], user?: string, env: NodeJS.ProcessEnv = {}) {
    const args = [
      'exec',
      ...(user ? ['--user', user] : []),
      ...Object.keys(env).flatMap((name) => ['-e', name]),
    ];
    return podman({ ...getEngine(), env: { ...getEngine().env, ...env } }, [
      ...args,
      containerName(service),
      ...command,
    ]);
  }

  /** A shell script with the vault CLI and the root token, inside the Vault container. */
  function vaultShell(script: string, ...args: string[]) {
    return exec('vault', ['sh', '-c', `${WITH_ROOT_TOKEN} ${script}`, 'sh', ...args], undefined, {
      VAULT_ADDR: 'http://127.0.0.1:8200',
    });
  }

  /** `vault ...` with the root token, inside the Vault container. */
  function vault(args: string[]) {
    return vaultShell('exec vault "$@"', ...args);
  }

  function psql(sql: string) {
    return exec('db', ['psql', '-U', 'postgres', '-d', 'saas', '-tAc', sql]);
  }

  /** The names of the database users Vault created (its usernames start with v-approle-). */
  async function dynamicDatabaseUsers(): Promise<string[]> {
    const result = await psql("SELECT rolname FROM pg_roles WHERE rolname LIKE 'v-%' ORDER BY 1");
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.split('\n').filter(Boolean);
  }

  /** The processes inside a container (pid and argv), read as root from /proc. */
  async function processesOf(service: string): Promise<{ pid: number; argv: string[] }[]> {
    const script =
      'for d in /proc/[0-9]*; do printf "%s\\0" "${d#/proc/}"; cat "$d/cmdline"; echo; done 2>/dev/null; true';
    const result = await exec(service, ['sh', '-c', script]);
    return result.stdout
      .split('\n')
      .map((line) => line.split('\0').filter(Boolean))
      .filter((fields) => fields.length > 1 && fields[1] !== 'sh')
      .map(([pid, ...argv]) => ({ pid: Number(pid), argv }));
  }

  /** The pids of the processes whose argv starts with `command` (the app: ['node', 'server.js']). */
  async function pidsOf(service: string, ...command: string[]): Promise<number[]> {
    return (await processesOf(service))
      .filter(({ argv }) => command.every((word, index) => argv[index] === word))
      .map(({ pid }) => pid);
  }

  /** The pid of vault-exec itself: the bundle on node, or the standalone binary. */
  async function vaultExecPid(service: string): Promise<number | undefined> {
    const found = (await processesOf(service)).find(
      ({ argv }) => argv[0]!.endsWith('vault-exec') || argv[1]?.endsWith('vault-exec'),
    );
    return found?.pid;
  }

  /**
   * One variable of the app's environment, read as the app's own user (root in the container lacks
   * CAP_SYS_PTRACE, which reading another user's environ takes). Never printed.
   */
  async function environOf(service: string, pid: number, name: string, user: string): Promise<string> {
    const result = await exec(service, ['cat', `/proc/${pid}/environ`], user);
    const entry = result.stdout.split('\0').find((line) => line.startsWith(`${name}=`));
    return entry?.slice(name.length + 1) ?? '';
  }

  return {
    exec,
    vault,
    vaultShell,
    psql,
    dynamicDatabaseUsers,
    processesOf,
    pidsOf,
    vaultExecPid,
    environOf,
  };
}

/** GET /health of an example app on the host's loopback: its status and JSON body. */
export async function health(port: number): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
  if (!response) return { status: 0, body: undefined };
  return { status: response.status, body: await response.json().catch(() => undefined) };
}
