// vitest setup file of the integration project: applies the leak scan to every test.
import { afterEach, expect } from 'vitest';
import { takeLeaks } from './leak-scan';

afterEach(() => {
  expect(takeLeaks(), 'vault-exec printed a secret').toEqual([]);
});
