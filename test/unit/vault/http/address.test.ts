import { expect, test } from 'vitest';
import { splitVaultAddress } from '../../../../src/vault/http/address';

test('an address without user:password is kept exactly as given', () => {
  expect(splitVaultAddress('https://Vault.example.com:8200/prefix')).toEqual({
    shown: 'https://Vault.example.com:8200/prefix',
    secrets: [],
  });
});

test('user:password becomes Basic auth, and the address shown loses both', () => {
  const split = splitVaultAddress('https://ops:p%40ss%3Aword@vault.example.com:8200');
  expect(split.shown).toBe('https://vault.example.com:8200');
  expect(split.authorization).toBe(`Basic ${Buffer.from('ops:p@ss:word').toString('base64')}`);
  // As written in VAULT_ADDR, as decoded, and as it travels in the header.
  expect(split.secrets).toEqual([
    'p%40ss%3Aword',
    'p@ss:word',
    Buffer.from('ops:p@ss:word').toString('base64'),
  ]);
});

test('a user name alone is sent too, and not shown', () => {
  const split = splitVaultAddress('http://ops@127.0.0.1:8200/');
  expect(split.shown).toBe('http://127.0.0.1:8200');
  expect(split.authorization).toBe(`Basic ${Buffer.from('ops:').toString('base64')}`);
  expect(split.secrets).toEqual([Buffer.from('ops:').toString('base64')]);
});
