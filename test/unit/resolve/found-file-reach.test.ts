// A vault-exec.yaml that vault-exec found by itself came with the repository: run() in-process, over
// an in-memory checkout, must refuse before any Vault client exists whatever would send a file or a
// credential of yours to the file's address, or delete a file outside the repository.
import { describe, expect, test } from 'vitest';
import type { MemoryTree } from './memory-io';
import { NO_VAULT_LINE, runUntilVault } from './run-until-vault';

const REPO = '/home/you/src/cloned';
const KEY = '/home/you/.ssh/id_ed25519';
const THEIRS = 'https://vault.attacker.example:8200';
/** A found file's address is honoured only on this machine (a local development server). */
const LOCAL = 'http://127.0.0.1:8200';
/** Your client certificate, for --auth cert. */
const CLIENT_CERT = { VAULT_CLIENT_CERT: '/home/you/me.crt', VAULT_CLIENT_KEY: '/home/you/me.key' };

/** A clone with a .git, a role-id of its own, and your private key outside it. */
function checkout(projectFile: string, extra: MemoryTree['files'] = {}): MemoryTree {
  return {
    files: {
      [`${REPO}/vault-exec.yaml`]: projectFile,
      [`${REPO}/role-id`]: 'their-role-id\n',
      [`${REPO}/secret-id`]: 'their-secret-id\n',
      [KEY]: 'PRIVATE KEY MATERIAL\n',
      ...extra,
    },
    directories: [`${REPO}/.git`],
  };
}

async function runIn(tree: MemoryTree, argv: string[], env: Record<string, string> = {}, cwd = REPO) {
  const result = await runUntilVault(argv, { tree, cwd, env: { HOME: '/home/you', ...env } });
  return { ...result, vaultAddress: result.vault?.address };
}

const file = (lines: string[]) => `${lines.join('\n')}\n`;

describe('a found project file cannot send your files or credentials to its address', () => {
  test.each([
    [
      'a secret-id-file outside the repository (your SSH key), for check',
      file([`vault-addr: ${THEIRS}`, 'auth: approle', 'role-id-file: role-id', `secret-id-file: ${KEY}`]),
      ['check'],
      {},
      `refusing the project file ${REPO}/vault-exec.yaml: its secret-id-file ${KEY} is outside its repository ${REPO}; keep that file in the repository, or pass the project file with --config if you trust it`,
    ],
    [
      'the same with remove-secret-id-file, for env',
      file([
        `vault-addr: ${THEIRS}`,
        'role-id-file: role-id',
        `secret-id-file: ${KEY}`,
        'remove-secret-id-file: true',
      ]),
      ['env', '--format', 'json'],
      {},
      `refusing the project file ${REPO}/vault-exec.yaml: its secret-id-file ${KEY} is outside its repository ${REPO}; keep that file in the repository, or pass the project file with --config if you trust it`,
    ],
    [
      'a relative path that climbs out of the repository',
      file(['role-id-file: role-id', 'secret-id-file: ../../.ssh/id_ed25519']),
      ['check'],
      { VAULT_ADDR: 'https://vault.mine.example:8200' },
      `refusing the project file ${REPO}/vault-exec.yaml: its secret-id-file ${KEY} is outside its repository ${REPO}; keep that file in the repository, or pass the project file with --config if you trust it`,
    ],
    [
      'a jwt-file outside the repository',
      file(['auth: jwt', 'role: ci', `jwt-file: ${KEY}`]),
      ['check'],
      { VAULT_ADDR: 'https://vault.mine.example:8200' },
      `refusing the project file ${REPO}/vault-exec.yaml: its jwt-file ${KEY} is outside its repository ${REPO}; keep that file in the repository, or pass the project file with --config if you trust it`,
    ],
    [
      "a vault-addr not on this machine, even with the repository's own credentials",
      file([`vault-addr: ${THEIRS}`, 'role-id-file: role-id', 'secret-id-file: secret-id']),
      ['check'],
      {},
      `refusing the project file ${REPO}/vault-exec.yaml: its vault-addr is not on this machine, and a found file's address is used only for a Vault on loopback (a local development server); if you trust that address, set VAULT_ADDR or --vault-addr yourself, or pass the project file with --config if you trust it`,
    ],
    [
      "a credential file in the repository's .git (a remote URL there may hold a token)",
      file([`vault-addr: ${LOCAL}`, 'role-id-file: .git/config', 'secret-id-file: secret-id']),
      ['check'],
      {},
      `refusing the project file ${REPO}/vault-exec.yaml: its role-id-file ${REPO}/.git/config is in its repository's .git directory, which holds your settings, not the clone's; keep that file in the repository, or pass the project file with --config if you trust it`,
    ],
    [
      "VAULT_ROLE_ID and VAULT_SECRET_ID exported for another project, to the file's address",
      file([`vault-addr: ${LOCAL}`]),
      ['check'],
      { VAULT_ROLE_ID: 'my-role-id', VAULT_SECRET_ID: 'my-secret-id' },
      `${REPO}/vault-exec.yaml sets vault-addr, but the role_id (from VAULT_ROLE_ID) is not the repository's, and only goes to an address you set: if you trust that address, set VAULT_ADDR or --vault-addr yourself, or pass the project file with --config if you trust it`,
    ],
    [
      "the repository's role_id with your exported secret_id",
      file([`vault-addr: ${LOCAL}`, 'role-id-file: role-id']),
      ['run', '--', 'app'],
      { VAULT_SECRET_ID: 'my-secret-id' },
      `${REPO}/vault-exec.yaml sets vault-addr, but the secret_id (from VAULT_SECRET_ID) is not the repository's, and only goes to an address you set: if you trust that address, set VAULT_ADDR or --vault-addr yourself, or pass the project file with --config if you trust it`,
    ],
    [
      'a secret_id file you name on the command line, outside the repository',
      file([`vault-addr: ${LOCAL}`, 'role-id-file: role-id']),
      ['check', '--secret-id-file', KEY],
      {},
      `${REPO}/vault-exec.yaml sets vault-addr, but the secret_id (from --secret-id-file ${KEY}) is not the repository's, and only goes to an address you set: if you trust that address, set VAULT_ADDR or --vault-addr yourself, or pass the project file with --config if you trust it`,
    ],
  ])('%s: exit 64, one line, nothing read, no Vault', async (_, text, argv, env, line) => {
    const result = await runIn(checkout(text), argv, env);
    expect(result.code).toBe(64);
    expect(result.lines).toEqual([`vault-exec: ${line}`]);
    expect(result.vaultAddress).toBeUndefined();
    expect(result.read).not.toContain(KEY);
  });

  test('a symbolic link in the repository does not carry a path out of it', async () => {
    const tree = checkout(file(['role-id-file: role-id', 'secret-id-file: config/secret-id']));
    tree.links = { [`${REPO}/config`]: '/home/you/.ssh' };
    tree.files![`/home/you/.ssh/secret-id`] = 'mine\n';
    const result = await runIn(tree, ['check'], {
      VAULT_ADDR: 'https://vault.mine.example:8200',
      VAULT_TOKEN: 'hvs.mine',
    });
    expect(result.code).toBe(64);
    expect(result.lines).toEqual([
      `vault-exec: refusing the project file ${REPO}/vault-exec.yaml: its secret-id-file ${REPO}/config/secret-id (really /home/you/.ssh/secret-id) is outside its repository ${REPO}; keep that file in the repository, or pass the project file with --config if you trust it`,
    ]);
  });
});

describe("a found project file's address is on this machine, whatever the login method", () => {
  // A client certificate cannot be replayed, but presenting it to the clone's author still tells
  // them who you are, and a Vault of theirs answers with secrets of their choosing.
  test.each([
    ['cert, with your client certificate', ['auth: cert'], CLIENT_CERT],
    ['approle, with its own credentials', ['role-id-file: role-id', 'secret-id-file: secret-id'], {}],
    ['token', ['auth: token'], { VAULT_TOKEN: 'hvs.mine' }],
  ])('%s: refused before any Vault client', async (_, lines, env) => {
    const result = await runIn(checkout(file([`vault-addr: ${THEIRS}`, ...lines])), ['check'], env);
    expect(result.code).toBe(64);
    expect(result.lines).toEqual([
      `vault-exec: refusing the project file ${REPO}/vault-exec.yaml: its vault-addr is not on this machine, and a found file's address is used only for a Vault on loopback (a local development server); if you trust that address, set VAULT_ADDR or --vault-addr yourself, or pass the project file with --config if you trust it`,
    ]);
    expect(result.vaultAddress).toBeUndefined();
  });

  test('cert to a Vault on loopback goes ahead', async () => {
    const local = 'https://127.0.0.1:8200';
    const result = await runIn(
      checkout(file([`vault-addr: ${local}`, 'auth: cert'])),
      ['check'],
      CLIENT_CERT,
    );
    expect(result.vaultAddress).toBe(local);
  });
});

describe('a found project file cannot open a listener to the network or widen file access', () => {
  test.each([
    [
      'metrics-addr: 0.0.0.0:0',
      'its metrics-addr listens on 0.0.0.0, not only on this machine; drop the host (a bare port listens on 127.0.0.1) or set --metrics-addr yourself',
    ],
    [
      'metrics-addr: "[::]:9464"',
      'its metrics-addr listens on ::, not only on this machine; drop the host (a bare port listens on 127.0.0.1) or set --metrics-addr yourself',
    ],
    [
      'file-mode: "0440"',
      'its file-mode 0440 would widen who may read the secret files (the default is 0400); drop file-mode from it, set --file-mode yourself',
    ],
  ])('%s: exit 64, one line', async (line, why) => {
    const tree = checkout(file([line, 'file: [notes.txt=secret/proj/x#k]']));
    const result = await runIn(tree, ['run', '--', 'app'], {
      VAULT_ADDR: 'https://vault.mine.example:8200',
      VAULT_TOKEN: 'hvs.mine',
    });
    expect(result.code).toBe(64);
    expect(result.lines).toEqual([
      `vault-exec: refusing the project file ${REPO}/vault-exec.yaml: ${why}, or pass the project file with --config if you trust it`,
    ]);
    expect(result.vaultAddress).toBeUndefined();
  });

  test.each([
    ['metrics-addr: 9464'],
    ['metrics-addr: 127.0.0.1:9464'],
    ['metrics-addr: "[::1]:9464"'],
    ['metrics-addr: localhost:9464'],
    ['file-mode: "0400"'],
    ['file-mode: "400"'],
  ])('%s stays on this machine and is honoured', async (line) => {
    const tree = checkout(file([line, 'file: [notes.txt=secret/proj/x#k]']));
    const result = await runIn(tree, ['run', '--', 'app'], {
      VAULT_ADDR: 'https://vault.mine.example:8200',
      VAULT_TOKEN: 'hvs.mine',
    });
    expect(result.lines.at(-1)).toBe(NO_VAULT_LINE);
  });

  test.each([
    [['--metrics-addr', '0.0.0.0:0'], {}],
    [[], { VAULT_EXEC_FILE_MODE: '0440' }],
  ])('yours (%j %j) applies over the file', async (flags, env) => {
    const tree = checkout(
      file(['metrics-addr: 0.0.0.0:0', 'file-mode: "0440"', 'file: [notes.txt=secret/proj/x#k]']),
    );
    const result = await runIn(tree, ['run', ...flags, '--', 'app'], {
      VAULT_ADDR: 'https://vault.mine.example:8200',
      VAULT_TOKEN: 'hvs.mine',
      ...(flags.length === 0 ? { VAULT_EXEC_METRICS_ADDR: '9464' } : { VAULT_EXEC_FILE_MODE: '0400' }),
      ...env,
    });
    expect(result.lines.at(-1)).toBe(NO_VAULT_LINE);
  });
});

describe('a found project file never deletes anything outside its repository', () => {
  test('its remove-secret-id-file with a secret_id file given elsewhere is refused', async () => {
    const tree = checkout(file(['role-id-file: role-id', 'remove-secret-id-file: true']));
    const result = await runIn(tree, ['env', '--secret-id-file', KEY], {
      VAULT_ADDR: 'https://vault.mine.example:8200',
    });
    expect(result.code).toBe(64);
    expect(result.lines).toEqual([
      `vault-exec: refusing the project file ${REPO}/vault-exec.yaml: its remove-secret-id-file would delete ${KEY}, which is outside its repository ${REPO}; drop remove-secret-id-file from it, or pass the project file with --config if you trust it`,
    ]);
  });

  test('the flag given by you on the command line is yours, and applies', async () => {
    const tree = checkout(file(['role-id-file: role-id']));
    const result = await runIn(tree, ['env', '--secret-id-file', KEY, '--remove-secret-id-file'], {
      VAULT_ADDR: 'https://vault.mine.example:8200',
    });
    expect(result.vaultAddress).toBe('https://vault.mine.example:8200');
  });
});

describe('what the rule leaves alone', () => {
  test("the repository's own credentials go to the file's address, from any subdirectory", async () => {
    const text = file([
      `vault-addr: ${LOCAL}`,
      'role-id-file: ../../role-id',
      'secret-id-file: ../../secret-id',
      'remove-secret-id-file: true',
    ]);
    const tree: MemoryTree = {
      files: {
        [`${REPO}/services/web/vault-exec.yaml`]: text,
        [`${REPO}/role-id`]: 'their-role-id\n',
        [`${REPO}/secret-id`]: 'their-secret-id\n',
      },
      directories: [`${REPO}/.git`],
    };
    const result = await runIn(tree, ['check'], {}, `${REPO}/services/web`);
    expect(result.lines.at(-1)).toBe(NO_VAULT_LINE);
    expect(result.vaultAddress).toBe(LOCAL);
  });

  test('an address you set takes your credentials, whatever the file says', async () => {
    const tree = checkout(file([`vault-addr: ${THEIRS}`]));
    const result = await runIn(tree, ['check'], {
      VAULT_ADDR: 'https://vault.mine.example:8200',
      VAULT_ROLE_ID: 'my-role-id',
      VAULT_SECRET_ID: 'my-secret-id',
    });
    expect(result.vaultAddress).toBe('https://vault.mine.example:8200');
  });

  test('a file you pass with --config is trusted as given', async () => {
    const tree = checkout(file([`vault-addr: ${THEIRS}`, 'role-id-file: role-id', `secret-id-file: ${KEY}`]));
    const result = await runIn(tree, ['check', '--config', 'vault-exec.yaml']);
    expect(result.vaultAddress).toBe(THEIRS);
  });
});

describe('the repository is bounded by your home, however HOME reaches it', () => {
  // ~ is a dotfiles repository; a tarball without a .git of its own is unpacked in ~/Downloads.
  const EVIL = '/home/you/Downloads/evil';
  const tree: MemoryTree = {
    files: {
      [`${EVIL}/vault-exec.yaml`]: file([
        'role-id-file: role-id',
        'secret-id-file: ../../.ssh/id_ed25519',
        'remove-secret-id-file: true',
      ]),
      [`${EVIL}/role-id`]: 'their-role-id\n',
      [KEY]: 'PRIVATE KEY MATERIAL\n',
    },
    directories: ['/home/you/.git'],
    links: { '/home/link': '/home/you' },
  };
  const refusal = `vault-exec: refusing the project file ${EVIL}/vault-exec.yaml: its secret-id-file ${KEY} is outside its repository ${EVIL}; keep that file in the repository, or pass the project file with --config if you trust it`;

  test.each([
    ['HOME through a symbolic link', { HOME: '/home/link' }, undefined],
    ['HOME unset (the account database answers)', {}, '/home/you'],
  ])('%s: your home does not count as the repository', async (_, env, accountHome) => {
    const result = await runUntilVault(['check'], {
      tree,
      cwd: EVIL,
      env: { VAULT_ADDR: 'https://vault.mine.example:8200', ...env },
      ...(accountHome === undefined ? {} : { accountHome }),
    });
    expect(result.lines).toEqual([refusal]);
    expect(result.read).not.toContain(KEY);
  });
});
