// A developer's checkout on disk, for the tests of `vault-exec run` in development: a repository
// root (marked by a `.git` directory), files in it, and a HOME of its own so that the machine's real
// ~/.vault-token or ~/.vault can never make a test pass by accident.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NOISY } from './app-role';

export interface DevProject {
  /** The directory holding the project: `<root>/repo` is the repository, `<root>/home` is HOME. */
  root: string;
  repo: string;
  home: string;
  /** Writes `text` at `path` (relative to the repository), creating directories; returns the absolute path. */
  write(path: string, text: string, mode?: number): string;
  /** vault-exec's environment: PATH, HOME and the noisy log settings, plus `extra`; nothing else. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  remove(): void;
}

export function createDevProject(): DevProject {
  const root = mkdtempSync(join(tmpdir(), 'vault-exec-dev-'));
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(home);
  return {
    root,
    repo,
    home,
    write(path, text, mode) {
      const file = join(repo, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text, mode === undefined ? undefined : { mode });
      return file;
    },
    env: (extra = {}) => ({ PATH: process.env.PATH, HOME: home, ...NOISY, ...extra }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** An address where nothing listens: a port the kernel just handed out and that was closed again. */
export async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A token for a developer: the given policy only, as `vault login` would give after an OIDC login. */
export async function createDeveloperToken(
  admin: { request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> },
  policy: string,
  options: { ttl?: string; renewable?: boolean } = {},
): Promise<string> {
  const response = await admin.request('POST', 'auth/token/create', {
    policies: [policy],
    no_default_policy: true,
    ttl: options.ttl ?? '10m',
    renewable: options.renewable ?? true,
  });
  if (response.status !== 200) throw new Error(`token create: HTTP ${response.status}`);
  return String(response.body.auth.client_token);
}
