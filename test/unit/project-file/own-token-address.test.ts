import { expect, test } from 'vitest';
import type { AuthConfig } from '../../../src/config';
import { refuseFileAddressForOwnToken } from '../../../src/project-file/own-token-address';

const ownToken: AuthConfig = { method: 'token', token: 't', source: '~/.vault-token' };
const appRole: AuthConfig = {
  method: 'approle',
  roleId: 'r',
  secretIdWrapped: false,
  mount: 'approle',
  removeSecretIdFile: false,
};

test("a file's vault-addr is refused for your own token, naming the file and what to set", () => {
  expect(() =>
    refuseFileAddressForOwnToken({
      fileAddress: 'https://v:8200',
      auth: ownToken,
      file: '/p/vault-exec.yaml',
    }),
  ).toThrow(
    '/p/vault-exec.yaml sets vault-addr, but your own token (from ~/.vault-token) only goes to an address you set: export VAULT_ADDR=https://v:8200',
  );
});

test('an address you set, or AppRole credentials, pass', () => {
  expect(() =>
    refuseFileAddressForOwnToken({ fileAddress: undefined, auth: ownToken, file: 'f' }),
  ).not.toThrow();
  expect(() =>
    refuseFileAddressForOwnToken({ fileAddress: 'https://v', auth: appRole, file: 'f' }),
  ).not.toThrow();
});
