import { expect, test } from 'vitest';
import { proxyFor } from '../../../../src/vault/http/proxy';

const proxied = (url: string, env: Record<string, string>): string | undefined =>
  proxyFor(new URL(url), env)?.href;

test('HTTPS_PROXY serves https addresses and HTTP_PROXY plain ones, upper case first', () => {
  const env = { HTTPS_PROXY: 'http://secure:3128', http_proxy: 'plain:8080', https_proxy: 'http://lower:1' };
  expect(proxied('https://vault.example.com:8200', env)).toBe('http://secure:3128/');
  expect(proxied('http://vault.example.com:8200', env)).toBe('http://plain:8080/');
  expect(proxied('http://vault.example.com', {})).toBeUndefined();
});

test('localhost and loopback addresses are never proxied', () => {
  const env = { HTTP_PROXY: 'http://proxy:3128', HTTPS_PROXY: 'http://proxy:3128' };
  for (const url of [
    'http://localhost:8200',
    'https://127.0.0.1:8200',
    'http://127.1.2.3',
    'https://[::1]:8200',
  ])
    expect(proxied(url, env)).toBeUndefined();
});

test.each([
  ['*', 'https://vault.example.com', true],
  ['vault.example.com', 'https://vault.example.com', true],
  ['example.com', 'https://vault.example.com', true],
  ['.example.com', 'https://vault.example.com', true],
  ['.example.com', 'https://example.com', false],
  ['other.com, example.com', 'https://vault.example.com', true],
  ['vault.example.com:8200', 'https://vault.example.com:8200', true],
  ['vault.example.com:8201', 'https://vault.example.com:8200', false],
  ['10.0.0.0/8', 'https://10.1.2.3:8200', true],
  ['10.0.0.0/8', 'https://11.1.2.3:8200', false],
  ['10.1.2.3', 'https://10.1.2.3', true],
  ['notexample.com', 'https://vault.example.com', false],
])('NO_PROXY=%s bypasses the proxy for %s: %s', (noProxy, url, bypass) => {
  expect(proxied(url, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: noProxy }) === undefined).toBe(bypass);
});
