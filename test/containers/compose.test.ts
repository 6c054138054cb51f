// Dockerfile.example and docker-compose.yml run for real: podman (Debian's, with runc) behind its
// Docker API, the real Docker Compose v5.6.0, and the images of both Dockerfile.example targets.
//
// Said plainly, what stands in for what (no registry is reachable here, scripts/ensure-container-images):
// - hashicorp/vault:1.21.4 → the same Vault release built from source, on Debian bookworm;
// - postgres:17            → Debian's PostgreSQL 15 behind an entrypoint with the official image's
//                            POSTGRES_* contract (test/containers/images/postgres);
// - node:26-slim, python:3.12-slim → Debian bookworm with the official Node 26 binary, and with
//                            Debian's Python 3.11 and pip.
// test/containers/compose.override.yml changes image names and networking only (host network,
// service names mapped to 127.0.0.1). podman runs healthchecks from systemd timers, which do not
// exist here, so the harness runs `podman healthcheck run` every second (engine.ts).
//
// The scenarios share one stack and run in order; each says what it needs from the one before.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FORWARDED_SIGNALS } from '../../src/child/signals';
import { repoRoot, startProgram, stopAllPrograms } from '../seeds/helpers';
import { waitFor } from '../support/processes';
import {
  compose,
  containerName,
  PROJECT,
  EXAMPLE_FLASK_IMAGE,
  EXAMPLE_NODE_IMAGE,
  imageSize,
  inspect,
  mebibytes,
  podman,
  prepareEngine,
  runHealthchecks,
  VAULT_EXEC_IMAGE,
  type Engine,
} from './engine';
import { health, reachStack } from './stack';
import { prepareWheels, serveWheels } from './wheels';

const figures: string[] = [];
const pidOneNames = ['plain', 'init'].map((kind) => `${PROJECT}-pid-one-${kind}`);
let engine: Engine;
let wheels: { url: string; server: Server };
let stopHealthchecks: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const started = Date.now();
  engine = prepareEngine();
  wheels = await serveWheels(prepareWheels());
  await podman(engine, ['rm', '--force', '--ignore', ...pidOneNames]);
  await compose(engine, ['down', '--volumes', '--timeout', '5']);
  // The vault-exec-only image, from what `npm run build` and `npm run build:standalone` left in dist/.
  const built = await podman(engine, [
    'build',
    '-q',
    '-f',
    'Dockerfile.vault-exec',
    '-t',
    VAULT_EXEC_IMAGE,
    'dist',
  ]);
  expect(built.code, built.stderr).toBe(0);
  figures.push(`engine, images and vault-exec image ready in ${seconds(started)}`);
});

afterAll(async () => {
  stopAllPrograms();
  if (engine) await podman(engine, ['rm', '--force', '--ignore', ...pidOneNames]);
  await stopHealthchecks?.();
  if (engine) {
    await compose(engine, ['down', '--volumes', '--timeout', '5']);
    // Each run's build of the examples leaves the previous one untagged (the wheels' URL, a build
    // argument, changes with the port); only images made from the stand-ins carry this label.
    await podman(engine, ['image', 'prune', '--force', '--filter', 'label=vault-exec.recipe']);
  }
  wheels?.server.close();
  console.log(`container figures:\n  ${figures.join('\n  ')}`);
});

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const { exec, vault, vaultShell, dynamicDatabaseUsers, pidsOf, vaultExecPid, environOf } = reachStack(
  () => engine,
);

test('both Dockerfile.example targets build on the stand-in base images, with vault-exec from its own image', async () => {
  const common = [
    '--network',
    'host', // pip fetches the wheels from the loopback server (wheels.ts)
    '--build-arg',
    `VAULT_EXEC_BUNDLE_FROM=${VAULT_EXEC_IMAGE}`,
    '--build-arg',
    `VAULT_EXEC_BINARY_FROM=${VAULT_EXEC_IMAGE}`,
  ];
  const targets = [
    {
      target: 'node-app',
      tag: EXAMPLE_NODE_IMAGE,
      args: ['--build-arg', `NODE_IMAGE=${engine.images.VAULT_EXEC_TEST_NODE_IMAGE}`],
    },
    {
      target: 'flask-app',
      tag: EXAMPLE_FLASK_IMAGE,
      args: [
        '--build-arg',
        `PYTHON_IMAGE=${engine.images.VAULT_EXEC_TEST_PYTHON_IMAGE}`,
        '--build-arg',
        'PIP_NO_INDEX=1',
        '--build-arg',
        `PIP_FIND_LINKS=${wheels.url}`,
      ],
    },
  ];
  for (const { target, tag, args } of targets) {
    const started = Date.now();
    const result = await podman(
      engine,
      ['build', '-q', '-f', 'Dockerfile.example', '--target', target, ...common, ...args, '-t', tag, '.'],
      600_000,
    );
    expect(result.code, `${target}: ${result.stderr}`).toBe(0);
    figures.push(`build ${target}: ${seconds(started)}`);
    // vault-exec runs in the image it was copied into (the standalone binary on a minimal bookworm
    // with Python is issue 15's defect: it needed libatomic, which such images lack).
    const version = await podman(engine, ['run', '--rm', '--entrypoint', 'vault-exec', tag, '--version']);
    expect(version.code, `${target}: ${version.stderr}`).toBe(0);
    expect(version.stdout).toMatch(/^vault-exec \d+\.\d+\.\d+/);
  }
});

test('the vault-exec image is copied into another image with COPY --from, and runs there as PID 1', async () => {
  const containerfile = [
    `FROM ${engine.images.VAULT_EXEC_TEST_PYTHON_IMAGE}`,
    `COPY --from=${VAULT_EXEC_IMAGE} /vault-exec /usr/local/bin/vault-exec`,
    'ENTRYPOINT ["vault-exec"]',
  ].join('\n');
  const context = mkdtempSync(join(tmpdir(), 'vault-exec-copy-from-'));
  writeFileSync(join(context, 'Containerfile'), containerfile);
  const tag = `${VAULT_EXEC_IMAGE.replace(':local', '-copied:local')}`;
  const built = await podman(engine, ['build', '-q', '-t', tag, context]);
  rmSync(context, { recursive: true, force: true });
  expect(built.code, built.stderr).toBe(0);
  const version = await podman(engine, ['run', '--rm', tag, '--version']);
  expect(version.code, version.stderr).toBe(0);
  expect(version.stdout).toMatch(/^vault-exec \d+\.\d+\.\d+/);
  await podman(engine, ['rmi', tag]);
});

test('docker compose up: Vault healthy, then the database, then vault-init, then both apps with their secrets and database users', async () => {
  const started = Date.now();
  stopHealthchecks = runHealthchecks(engine, [containerName('vault'), containerName('db')]);
  const up = await compose(engine, ['up', '--detach']);
  expect(up.code, up.stderr).toBe(0);
  await waitFor(async () => (await health(3000)).status === 200 && (await health(5000)).status === 200, {
    timeoutMs: 60_000,
    intervalMs: 250,
    message: 'the apps did not answer 200 on /health within 60 s',
  });
  figures.push(`compose up until both apps healthy: ${seconds(started)}`);

  // The documented order, from the engine's own records.
  const [vaultC, dbC, initC, nodeC, flaskC] = await Promise.all(
    ['vault', 'db', 'vault-init', 'node-app', 'flask-app'].map((name) =>
      inspect(engine, containerName(name)),
    ),
  );
  const firstHealthy = (c: any) =>
    Date.parse(c.State.Health.Log.find((entry: any) => entry.ExitCode === 0).Start);
  expect(Date.parse(initC.State.StartedAt)).toBeGreaterThanOrEqual(firstHealthy(vaultC));
  expect(Date.parse(initC.State.StartedAt)).toBeGreaterThanOrEqual(firstHealthy(dbC));
  expect(initC.State.ExitCode).toBe(0);
  for (const app of [nodeC, flaskC])
    expect(Date.parse(app.State.StartedAt)).toBeGreaterThanOrEqual(Date.parse(initC.State.FinishedAt));

  const node = (await health(3000)).body;
  expect(node.status).toBe('ok');
  expect(Object.values(node.secrets).every((s: any) => s.present)).toBe(true);
  const flask = (await health(5000)).body;
  expect(flask.status).toBe('ok');

  // Each app has a database user of its own that logs in: Flask's /db connects with its DATABASE_URL;
  // the Node example has no driver, so its URL (read as root from its /proc) is tried with psql.
  const db: any = await (await fetch('http://127.0.0.1:5000/db')).json();
  expect(db.status).toBe('ok');
  expect(db.user).toMatch(/^v-approle-/);
  const [nodePid] = await pidsOf('node-app', 'node', 'server.js');
  const url = await environOf('node-app', nodePid!, 'DATABASE_URL', 'node');
  const login = await exec('db', ['sh', '-c', 'psql "$NODE_APP_URL" -tAc "SELECT current_user"'], undefined, {
    NODE_APP_URL: url.replace('@db:', '@127.0.0.1:'),
  });
  expect(login.code, login.stderr).toBe(0);
  const nodeUser = login.stdout.trim();
  expect(nodeUser).toMatch(/^v-approle-/);
  expect(nodeUser).not.toBe(db.user);
  expect(await dynamicDatabaseUsers()).toEqual([db.user, nodeUser].sort());
});

test('with VAULT_EXEC_USER the app cannot read the credential files or vault-exec’s environment', async () => {
  for (const [service, user] of [
    ['node-app', 'node'],
    ['flask-app', 'app'],
  ] as const) {
    const vaultExec = await vaultExecPid(service);
    expect(vaultExec, service).toBeDefined();
    for (const file of ['/approle/role-id', '/approle/secret-id', `/proc/${vaultExec}/environ`]) {
      const read = await exec(service, ['cat', file], user);
      expect(read.code, `${service} as ${user}: cat ${file}`).not.toBe(0);
      expect(read.stderr).toMatch(/Permission denied/);
    }
    // The app itself does run as that user.
    const app = service === 'node-app' ? ['node', 'server.js'] : ['python', 'app.py'];
    const appPid = (await pidsOf(service, ...app))[0]!;
    const status = await exec(service, ['cat', `/proc/${appPid}/status`]);
    const uid = status.stdout.match(/^Uid:\s+(\d+)/m)?.[1];
    const expected = await exec(service, ['id', '-u', user]);
    expect(uid).toBe(expected.stdout.trim());
  }
});

test('a KV change under VAULT_EXEC_WATCH restarts the app once, with the new value', async () => {
  const before = (await health(3000)).body.secrets.JWT_SECRET.length;
  const [oldPid] = await pidsOf('node-app', 'node', 'server.js');
  // A value of another length, so /health (names and lengths only) shows which one the app has.
  const newLength = before + 16;
  const write = await vaultShell(
    `printf '{"secret":"%s"}' "$(head -c ${newLength / 2} /dev/urandom | od -An -tx1 | tr -d ' \\n')" | vault kv put -mount=secret saas-project/dev/jwt -`,
  );
  expect(write.code, write.stderr).toBe(0);
  const started = Date.now();
  // VAULT_EXEC_WATCH is 30s in docker-compose.yml: the change is seen within one interval.
  await waitFor(async () => (await health(3000)).body?.secrets?.JWT_SECRET?.length === newLength, {
    timeoutMs: 45_000,
    intervalMs: 250,
    message: 'node-app did not restart with the new JWT secret within 45 s',
  });
  figures.push(`KV change → node-app serving the new value: ${seconds(started)}`);
  const [newPid] = await pidsOf('node-app', 'node', 'server.js');
  expect(newPid).not.toBe(oldPid);
  const logs = await compose(engine, ['logs', '--no-color', 'node-app']);
  expect(logs.stdout.match(/example server listening/g)).toHaveLength(2);
});

test('no secret value, role_id, secret_id or token appears in the apps’ or vault-init’s logs', async () => {
  const values: string[] = [];
  for (const path of ['jwt', 'flask', 'storage', 'database']) {
    const read = await vault(['kv', 'get', '-format=json', '-mount=secret', `saas-project/dev/${path}`]);
    expect(read.code, read.stderr).toBe(0);
    values.push(...Object.values<string>(JSON.parse(read.stdout).data.data));
  }
  const approle = (
    await podman(engine, ['volume', 'inspect', '--format', '{{.Mountpoint}}', `${PROJECT}_approle`])
  ).stdout.trim();
  for (const file of ['role-id', 'secret-id']) values.push(readFileSync(join(approle, file), 'utf8').trim());
  const [nodePid] = await pidsOf('node-app', 'node', 'server.js');
  const url = new URL(await environOf('node-app', nodePid!, 'DATABASE_URL', 'node'));
  values.push(decodeURIComponent(url.password));
  const logs = (await compose(engine, ['logs', '--no-color', 'vault-init', 'node-app', 'flask-app'])).stdout;
  expect(logs).toContain('vault-exec: logged in');
  const leaked = values.filter((value) => value.length >= 8 && logs.includes(value));
  expect(leaked.length, 'secret values found in the logs').toBe(0);
  expect(logs).not.toMatch(/\bhv[sb]\.[A-Za-z0-9_-]{20,}/);
});

for (const init of [false, true]) {
  test(`vault-exec as PID 1 ${init ? 'behind `init: true`' : 'without an init'}: ${init ? 'no' : 'one'} reaping warning, every signal forwarded, the child’s exit code`, async () => {
    const name = pidOneNames[init ? 1 : 0]!;
    // The node-app image with the signal-reporting test child instead of the example server, logged in
    // with the stack's AppRole files: what compose runs, minus compose (whose `init` is per service).
    const approle = (
      await podman(engine, ['volume', 'inspect', '--format', '{{.Mountpoint}}', `${PROJECT}_approle`])
    ).stdout.trim();
    const program = startProgram(
      'podman',
      [
        'run',
        '--rm',
        '--name',
        name,
        ...(init ? ['--init'] : []),
        '--network',
        'host',
        '--add-host',
        'vault:127.0.0.1',
        '-v',
        // The volume's directory as a bind mount: podman 4.3 refuses a second user of a named volume
        // created through its Docker API ("would cause a deadlock").
        `${approle}:/approle:ro`,
        '-v',
        `${join(repoRoot, 'test/support/children')}:/fixtures:ro`,
        '-e',
        'VAULT_ADDR=http://vault:8200',
        '-e',
        'VAULT_EXEC_ROLE_ID_FILE=/approle/role-id',
        '-e',
        'VAULT_EXEC_SECRET_ID_FILE=/approle/secret-id',
        '-e',
        'VAULT_EXEC_SECRET=JWT_SECRET=secret/saas-project/dev/jwt#secret',
        '-e',
        'EXIT_ON_TERM=7',
        '-e',
        'KEEP_RUNNING_ON=SIGINT',
        EXAMPLE_NODE_IMAGE,
        'node',
        '/fixtures/ready-then-wait.mjs',
      ],
      engine.env,
    );
    await waitFor(() => program.output().includes('READY'), {
      timeoutMs: 30_000,
      intervalMs: 50,
      message: program.output(),
    });
    const pidOne = await podman(engine, ['exec', name, 'cat', '/proc/1/cmdline']);
    const argv = pidOne.stdout.split('\0');
    expect(argv[0] === 'vault-exec' || argv[1] === '/usr/local/bin/vault-exec', argv.join(' ')).toBe(!init);
    // Every forwarded signal, the stop signals last: SIGINT starts vault-exec's stop (the child,
    // told by KEEP_RUNNING_ON to carry on, only reports it), and SIGTERM ends the child with 7.
    const stopSignals = ['SIGINT', 'SIGTERM'];
    // Behind an init, what the init passes on: podman's (catatonit) keeps the synchronous signals
    // SIGTRAP, SIGABRT and SIGSYS (as Docker's tini does) and the job-control SIGTSTP for itself.
    const initKeeps = init ? ['SIGTRAP', 'SIGABRT', 'SIGSYS', 'SIGTSTP'] : [];
    const skipped = [...stopSignals, ...initKeeps];
    const order = [...FORWARDED_SIGNALS.filter((name) => !skipped.includes(name)), 'SIGINT'];
    for (const signal of order) {
      const sent = await podman(engine, ['kill', '--signal', signal, name]);
      expect(sent.code, sent.stderr).toBe(0);
      await waitFor(() => program.output().includes(`SIGNAL ${signal}\n`), {
        timeoutMs: 10_000,
        intervalMs: 20,
        message: `${signal} did not reach the child:\n${program.output()}`,
      });
    }
    await podman(engine, ['kill', '--signal', 'SIGTERM', name]);
    expect((await program.exited).code).toBe(7);
    const warnings =
      program.output().match(/running as PID 1: orphaned grandchildren will not be reaped/g) ?? [];
    expect(warnings).toHaveLength(init ? 0 : 1);
  });
}

test('docker compose stop node-app: SIGTERM reaches the app, which exits in time, and its token and database user are revoked', async () => {
  const [nodePid] = await pidsOf('node-app', 'node', 'server.js');
  const url = await environOf('node-app', nodePid!, 'DATABASE_URL', 'node');
  const nodeUser = decodeURIComponent(new URL(url).username);
  const tokensBefore = (await vault(['list', '-format=json', 'auth/token/accessors'])).stdout;
  const started = Date.now();
  const stop = await compose(engine, ['stop', 'node-app']);
  const took = Date.now() - started;
  expect(stop.code, stop.stderr).toBe(0);
  figures.push(`docker compose stop node-app: ${(took / 1000).toFixed(1)} s`);
  expect(took).toBeLessThan(10_000); // stop_grace_period: 10s, so it was never SIGKILLed
  const container = await inspect(engine, containerName('node-app'));
  expect(container.State.ExitCode).toBe(0);
  const logs = await compose(engine, ['logs', '--no-color', 'node-app']);
  expect(logs.stdout).toContain('example server: SIGTERM received, closing');
  expect(await dynamicDatabaseUsers()).not.toContain(nodeUser);
  const tokensAfter = (await vault(['list', '-format=json', 'auth/token/accessors'])).stdout;
  expect(JSON.parse(tokensAfter).length).toBe(JSON.parse(tokensBefore).length - 1);
  const restart = await compose(engine, ['start', 'node-app']);
  expect(restart.code, restart.stderr).toBe(0);
  await waitFor(async () => (await health(3000)).status === 200, { timeoutMs: 30_000, intervalMs: 250 });
});

test('image sizes', async () => {
  const images = {
    'vault-exec only': VAULT_EXEC_IMAGE,
    'example node-app': EXAMPLE_NODE_IMAGE,
    'example flask-app': EXAMPLE_FLASK_IMAGE,
    'node:26-slim stand-in': engine.images.VAULT_EXEC_TEST_NODE_IMAGE!,
    'python:3.12-slim stand-in': engine.images.VAULT_EXEC_TEST_PYTHON_IMAGE!,
    'vault stand-in': engine.images.VAULT_EXEC_TEST_VAULT_IMAGE!,
    'postgres stand-in': engine.images.VAULT_EXEC_TEST_POSTGRES_IMAGE!,
  };
  for (const [name, image] of Object.entries(images)) {
    const size = await imageSize(engine, image);
    expect(size, name).toBeGreaterThan(0);
    figures.push(`image ${name}: ${mebibytes(size)}`);
  }
  const binary = readFileSync(join(repoRoot, 'dist/vault-exec-linux-x64')).length;
  expect(await imageSize(engine, VAULT_EXEC_IMAGE)).toBeLessThan(binary + 2 * 1024 * 1024);
});

test('docker compose down leaves no database user behind', async () => {
  const down = await compose(engine, ['down', '--timeout', '10', 'node-app', 'flask-app']);
  expect(down.code, down.stderr).toBe(0);
  expect(await dynamicDatabaseUsers()).toEqual([]);
  const all = await compose(engine, ['down', '--volumes', '--timeout', '10']);
  expect(all.code, all.stderr).toBe(0);
});

/** The apps' Vault tokens (AppRole logins of the compose role), with when each was last renewed. */
async function appTokens(): Promise<{ accessor: string; lastRenewalMs: number }[]> {
  const list = await vault(['list', '-format=json', 'auth/token/accessors']);
  expect(list.code, list.stderr).toBe(0);
  const tokens = [];
  for (const accessor of JSON.parse(list.stdout) as string[]) {
    const lookup = await vault(['token', 'lookup', '-format=json', '-accessor', accessor]);
    expect(lookup.code, lookup.stderr).toBe(0);
    const data = JSON.parse(lookup.stdout).data;
    if (data.meta?.role_name !== 'saas-project-dev') continue;
    tokens.push({ accessor, lastRenewalMs: (data.last_renewal_time ?? 0) * 1000 });
  }
  return tokens.sort((a, b) => a.accessor.localeCompare(b.accessor));
}

test(
  'Vault restarted under the running apps: the apps are untouched and renewal resumes',
  { timeout: 240_000 },
  async () => {
    // A fresh stack, since the scenario before took it down. Vault keeps its data in the vault-data
    // volume and unseals itself with the key vault-init kept in vault-keys (vault/server.sh).
    const up = await compose(engine, ['up', '--detach']);
    expect(up.code, up.stderr).toBe(0);
    await waitFor(async () => (await health(3000)).status === 200 && (await health(5000)).status === 200, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const before = {
      node: await pidsOf('node-app', 'node', 'server.js'),
      flask: await pidsOf('flask-app', 'python', 'app.py'),
      tokens: (await appTokens()).map(({ accessor }) => accessor),
    };
    expect(before.tokens).toHaveLength(2); // one per app
    // Stop, then start: podman 4.3's Docker API fails `restart` for this container (its root
    // filesystem is unmounted before the start), while stop and start work as Docker's do.
    const stopped = await compose(engine, ['stop', 'vault']);
    expect(stopped.code, stopped.stderr).toBe(0);
    const restartedAt = Date.now();
    const started = await compose(engine, ['start', 'vault']);
    expect(started.code, started.stderr).toBe(0);
    await waitFor(
      async () => (await inspect(engine, containerName('vault'))).State.Health.Status === 'healthy',
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    figures.push(`Vault stop + start until healthy (unsealed): ${seconds(restartedAt)}`);
    const vaultLogs = await compose(engine, ['logs', '--no-color', 'vault']);
    expect(vaultLogs.stdout + vaultLogs.stderr).toContain(
      'vault-server: unsealed with the key in /vault/keys',
    );

    // Until both apps' tokens (the same ones: Vault kept them) were renewed after the restart, and
    // for at least one VAULT_EXEC_WATCH interval (30 s) and a margin, in which vault-exec reads the
    // watched secrets again: the apps keep serving, with the same processes. docker-compose.yml's
    // token TTL is 1 min, so vault-exec renews within about 45 s.
    const watchedUntil = Date.now() + 35_000;
    const deadline = Date.now() + 120_000;
    let renewedAt: number | undefined;
    for (;;) {
      expect(await pidsOf('node-app', 'node', 'server.js')).toEqual(before.node);
      expect(await pidsOf('flask-app', 'python', 'app.py')).toEqual(before.flask);
      expect((await health(3000)).status).toBe(200);
      expect((await health(5000)).status).toBe(200);
      const tokens = await appTokens();
      expect(tokens.map(({ accessor }) => accessor)).toEqual(before.tokens);
      if (renewedAt === undefined && tokens.every(({ lastRenewalMs }) => lastRenewalMs >= restartedAt)) {
        renewedAt = Date.now();
        figures.push(`Vault restart → both apps' tokens renewed: ${seconds(restartedAt)}`);
      }
      if (renewedAt !== undefined && Date.now() >= watchedUntil) break;
      expect(Date.now(), 'the apps did not renew their tokens within 120 s of the restart').toBeLessThan(
        deadline,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // Each line's own timestamp, not `--since`, which podman's API applies loosely.
    const logs = await compose(engine, ['logs', '--no-color', '--timestamps', 'node-app', 'flask-app']);
    const stamped = logs.stdout
      .split('\n')
      .filter((line) => /vault-exec/.test(line))
      .map((line) => ({ line, at: Date.parse(line.match(/\|\s+(\S+)/)?.[1] ?? '') }));
    expect(stamped.filter(({ at }) => Number.isNaN(at))).toEqual([]);
    expect(stamped.length).toBeGreaterThan(0); // at least the logins before the restart
    const said = stamped.filter(({ at }) => at >= restartedAt).map(({ line }) => line);
    figures.push(`after a Vault restart, vault-exec said:\n${said.join('\n') || '  (nothing)'}`);
    expect(said.join('\n')).not.toMatch(/logged in/); // the same tokens: no fresh login
  },
);
