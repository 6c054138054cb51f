import { defineConfig } from 'vitest/config';

// Projects, so a developer can run the fast pure-logic tests alone (`npm run test:unit`).
// Integration tests run the built bundle against a real Vault dev server and real child processes;
// each file starts its own server, so files run in parallel but are capped to the machine's cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/leak-scan-setup.ts'],
        },
      },
      {
        // The deployment kit end to end (vault/, examples/, the standalone binary, docker-compose.yml);
        // `npm run test:seeds` runs it alone. It needs dist/vault-exec-linux-x64 and a Python venv.
        test: {
          name: 'seeds',
          include: ['test/seeds/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          pool: 'forks',
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
