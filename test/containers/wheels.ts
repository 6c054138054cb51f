// The Flask example's packages for `pip install` inside the image build. No package index is
// reachable from inside a build here (the registries are reached through the host's trust store,
// which a Debian-built image does not carry), so the wheels are downloaded on the host, by the
// cached venv's pip, into ~/.cache/vault-exec/wheels-<hash>/, and served to the build on loopback:
// Dockerfile.example's flask target takes PIP_NO_INDEX=1 and PIP_FIND_LINKS=<url> as build arguments.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pythonEnv, repoRoot } from '../seeds/helpers';

const requirements = join(repoRoot, 'examples/flask/requirements.txt');

function cacheRoot(): string {
  return (
    process.env.VAULT_EXEC_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vault-exec')
  );
}

/** The wheels directory, downloaded once per version of the requirements. */
export function prepareWheels(): string {
  const key = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
  const dir = join(cacheRoot(), `wheels-${key}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const venv = pythonEnv();
  // The images' Python is Debian bookworm's 3.11, the same as the host's: the host's wheels fit.
  execFileSync(
    join(venv, 'bin/pip'),
    ['download', '--quiet', '--disable-pip-version-check', '--dest', dir, '-r', requirements],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  writeFileSync(join(dir, '.complete'), '');
  return dir;
}

/** Serves the directory as a find-links page on a free loopback port; resolves to its URL. */
export function serveWheels(dir: string): Promise<{ url: string; server: Server }> {
  const files = readdirSync(dir).filter((name) => name.endsWith('.whl') || name.endsWith('.tar.gz'));
  const server = createServer((request, response) => {
    const name = decodeURIComponent((request.url ?? '/').slice(1));
    if (name === '') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(files.map((file) => `<a href="${encodeURIComponent(file)}">${file}</a>`).join('\n'));
    } else if (files.includes(name)) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(readFileSync(join(dir, name)));
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/`, server });
    }),
  );
}
