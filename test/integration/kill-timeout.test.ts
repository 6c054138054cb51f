// The default kill timeout fits `docker stop`'s 10 s grace: SIGTERM, the kill timeout, SIGKILL and
// the token's revocation all happen before Docker would SIGKILL the container.
import { afterEach, beforeAll, expect, test } from 'vitest';
import { cliEnv, provisionApp, type AppCredentials } from '../support/app-role';
import { fixture, killAllStarted, startCli, waitForExit } from '../support/processes';
import { useVaultServer } from '../support/vault-server';

/** docker stop's (and compose's) default grace period before it SIGKILLs the container. */
const DOCKER_STOP_GRACE_MS = 10_000;

const vault = useVaultServer();
let app: AppCredentials;
beforeAll(async () => {
  app = await provisionApp(vault(), { readPaths: [] });
});
afterEach(() => killAllStarted());

/** Accessors of the tokens the role's logins created, found with the root token. */
async function accessorsOfRole(role: string): Promise<string[]> {
  const list = await vault().admin.request('GET', 'auth/token/accessors?list=true');
  const accessors: string[] = [];
  for (const accessor of list.body.data.keys as string[]) {
    const lookup = await vault().admin.lookupAccessor(accessor);
    if (lookup.body?.data?.meta?.role_name === role) accessors.push(accessor);
  }
  return accessors;
}

test('a child ignoring SIGTERM under the default kill timeout is killed and the token revoked within 10 s of SIGTERM', async () => {
  const running = startCli(['--', 'node', fixture('ignore-sigterm.mjs')], { env: cliEnv(vault(), app) });
  await running.waitForOutput('READY');
  const accessors = await accessorsOfRole(app.role);
  expect(accessors).toHaveLength(1);

  const sentAt = performance.now();
  running.kill('SIGTERM');
  await running.waitForOutput('IGNORED SIGTERM');
  const exit = await waitForExit(running, 15_000);
  const elapsedMs = performance.now() - sentAt;

  expect(exit.code).toBe(137);
  expect(exit.stderr).toContain('the child did not exit within the kill timeout; sending SIGKILL');
  // The revocation ran before vault-exec exited: the token is gone.
  const lookup = await vault().admin.lookupAccessor(accessors[0]!);
  expect(lookup.status, JSON.stringify(lookup.body)).not.toBe(200);
  expect(elapsedMs).toBeGreaterThanOrEqual(7_000 - 50);
  expect(elapsedMs, `SIGTERM to exit took ${Math.round(elapsedMs)} ms`).toBeLessThan(DOCKER_STOP_GRACE_MS);
  console.info(`kill-timeout: SIGTERM to exit, token revoked: ${Math.round(elapsedMs)} ms`);
});
