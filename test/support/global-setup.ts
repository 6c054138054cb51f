import type { TestProject } from 'vitest/node';
import { vaultBinaryPath } from './vault-binary';

declare module 'vitest' {
  export interface ProvidedContext {
    vaultBinary: string;
  }
}

// Runs once in the main vitest process, so a cold Vault build happens once per run instead of once
// per test file (each worker would otherwise race to build it).
export default async function setup(project: TestProject): Promise<void> {
  project.provide('vaultBinary', vaultBinaryPath());
}
