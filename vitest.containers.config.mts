import { defineConfig } from 'vitest/config';

// The container tests (`npm run test:containers`), kept out of `npm test`'s projects: they need
// root, podman and a few minutes on a cold machine (test/containers/). One file at a time: the
// stacks use the host's network and the documented ports (8200, 5432, 3000, 5000).
export default defineConfig({
  test: {
    include: ['test/containers/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 120_000,
    // A cold machine installs podman, debootstraps the base image and builds the stand-ins here.
    hookTimeout: 900_000,
  },
});
