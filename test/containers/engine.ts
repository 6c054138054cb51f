// The container tests' access to the engine: podman and the real Docker Compose against podman's
// Docker API, with the settings scripts/ensure-container-engine prints, and the stand-in images of
// scripts/ensure-container-images. Every name here is one the tests create and remove themselves.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, run, type Result } from '../seeds/helpers';
import { dockerComposePath } from '../support/env-file-readers';

/** Prefix of every image and the compose project the tests make, so clean-up touches nothing else. */
export const TEST_REPO = 'localhost/vault-exec-test';
export const PROJECT = 'vault-exec-test';
export const VAULT_EXEC_IMAGE = `${TEST_REPO}/vault-exec:local`;
export const EXAMPLE_NODE_IMAGE = `${TEST_REPO}/example-node:local`;
export const EXAMPLE_FLASK_IMAGE = `${TEST_REPO}/example-flask:local`;

export interface Engine {
  env: NodeJS.ProcessEnv;
  composeBin: string;
  images: Record<string, string>;
}

/** Runs a script that prints `export NAME=value` lines and returns those values. */
function exportsOf(script: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const stdout = execFileSync(join(repoRoot, 'scripts', script), [], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const values: Record<string, string> = {};
  for (const match of stdout.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) values[match[1]!] = match[2]!;
  return values;
}

/** Installs or reuses the engine, the images and Docker Compose (cold: minutes; warm: seconds). */
export function prepareEngine(): Engine {
  const env: NodeJS.ProcessEnv = { ...process.env, ...exportsOf('ensure-container-engine', process.env) };
  const images = exportsOf('ensure-container-images', env);
  return { env: { ...env, ...images }, composeBin: dockerComposePath(), images };
}

export function podman(engine: Engine, args: string[], timeoutMs = 120_000): Promise<Result> {
  return run('podman', args, engine.env, timeoutMs);
}

/** docker-compose.yml as the README runs it, plus the tests' override (image names, loopback). */
export function compose(engine: Engine, args: string[], timeoutMs = 180_000): Promise<Result> {
  const files = ['-f', 'docker-compose.yml', '-f', 'test/containers/compose.override.yml'];
  return run(engine.composeBin, ['-p', PROJECT, ...files, ...args], engine.env, timeoutMs);
}

export const containerName = (service: string): string => `${PROJECT}-${service}-1`;

/** `podman inspect` of one container, parsed. */
export async function inspect(engine: Engine, container: string): Promise<any> {
  const result = await podman(engine, ['inspect', container]);
  if (result.code !== 0) throw new Error(`podman inspect ${container}: ${result.stderr}`);
  return JSON.parse(result.stdout)[0];
}

/**
 * podman schedules healthchecks with systemd timers, and there is no systemd here: without someone
 * running them, a container's health stays "starting" and `depends_on: service_healthy` waits
 * forever. So the harness runs `podman healthcheck run` for the given containers every second while
 * a scenario needs it, as the timers would (compose's interval is 2 s).
 */
export function runHealthchecks(engine: Engine, containers: string[]): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(containers.map((name) => podman(engine, ['healthcheck', 'run', name], 10_000)));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** Bytes of an image, as `podman image inspect` reports them. */
export async function imageSize(engine: Engine, image: string): Promise<number> {
  const result = await podman(engine, ['image', 'inspect', '--format', '{{.Size}}', image]);
  if (result.code !== 0) throw new Error(`podman image inspect ${image}: ${result.stderr}`);
  return Number(result.stdout.trim());
}

export const mebibytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
