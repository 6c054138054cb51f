import type { TestProject } from 'vitest/node';
import { postgresBinDir } from './postgres-binaries';
import { vaultBinaryPath } from './vault-binary';

declare module 'vitest' {
  export interface ProvidedContext {
    vaultBinary: string;
    postgresBinDir: string;
  }
}

// Runs once in the main vitest process, so a cold Vault build (or a PostgreSQL install, which takes
// apt's lock) happens once per run instead of once per test file, each worker racing to do it.
export default async function setup(project: TestProject): Promise<void> {
  project.provide('vaultBinary', vaultBinaryPath());
  project.provide('postgresBinDir', postgresBinDir());
}
