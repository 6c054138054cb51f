import { describe, expect, test } from 'vitest';
import { chooseJwtSource } from '../../../src/resolve/jwt-source';

const defaults = { jwtAudience: 'sigstore', kubernetesTokenPath: '/var/run/sa/token' };
const github = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner.example/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
};

describe('the JWT source of --auth jwt', () => {
  test('--jwt-file wins over VAULT_EXEC_JWT and GitHub Actions', () => {
    expect(
      chooseJwtSource('jwt', { ...defaults, jwtFile: '/ci/token' }, { VAULT_EXEC_JWT: 'a.b.c', ...github }),
    ).toEqual({ kind: 'file', path: '/ci/token', origin: '--jwt-file' });
  });

  test('VAULT_EXEC_JWT (GitLab id_tokens) wins over GitHub Actions', () => {
    expect(chooseJwtSource('jwt', defaults, { VAULT_EXEC_JWT: ' a.b.c\n', ...github })).toEqual({
      kind: 'env',
      name: 'VAULT_EXEC_JWT',
      value: 'a.b.c',
    });
  });

  test('in GitHub Actions the token is requested with the audience of --jwt-audience', () => {
    expect(chooseJwtSource('jwt', { ...defaults, jwtAudience: 'https://vault.example' }, github)).toEqual({
      kind: 'github',
      requestUrl: github.ACTIONS_ID_TOKEN_REQUEST_URL,
      requestToken: 'request-token',
      audience: 'https://vault.example',
    });
  });

  test('a runner that gives the URL but no request token is told which permission the job lacks', () => {
    expect(() =>
      chooseJwtSource('jwt', defaults, { ACTIONS_ID_TOKEN_REQUEST_URL: github.ACTIONS_ID_TOKEN_REQUEST_URL }),
    ).toThrow(/ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set.*permissions: id-token: write/);
  });

  test('no source at all is a usage error that lists the three', () => {
    expect(() => chooseJwtSource('jwt', defaults, {})).toThrow(
      /--jwt-file, set VAULT_EXEC_JWT \(GitLab CI: id_tokens\), or run in GitHub Actions/,
    );
  });
});

describe('the JWT source of --auth kubernetes', () => {
  test('is the service-account token file by default, even in GitHub Actions', () => {
    expect(chooseJwtSource('kubernetes', defaults, { VAULT_EXEC_JWT: 'a.b.c', ...github })).toEqual({
      kind: 'file',
      path: '/var/run/sa/token',
      origin: 'the service-account token',
    });
  });

  test('is --jwt-file when given', () => {
    expect(chooseJwtSource('kubernetes', { ...defaults, jwtFile: '/projected/token' }, {})).toMatchObject({
      kind: 'file',
      path: '/projected/token',
    });
  });
});
