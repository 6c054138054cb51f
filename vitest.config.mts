import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Projects, so a developer can run the fast pure-logic tests alone (`npm run test:unit`).
// Integration tests run vault-exec against a real Vault dev server and real child processes; each
// file starts its own server, so files can run side by side.
//
// Workers: vitest's default is one per core minus one, which on a 2-core machine ran every file one
// after another. Those files mostly wait (token TTLs, kill timeouts, a child's READY line): a whole
// run kept about a third of one core busy. So at least 4 run at once, to overlap the waits; all
// projects share one pool, so the number is set once, here.
const WORKERS = Math.max(4, availableParallelism());

/**
 * vitest orders each project's files longest first (from its cache of the last run) but keeps the
 * projects apart, so the seeds started only after the last integration file and the CPU-bound unit
 * files after those. Taking the projects' lists in turn starts each one's longest file at once, and
 * lets unit files use the CPU while integration files wait.
 */
class ProjectsInTurn extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byProject = new Map<string, TestSpecification[]>();
    for (const file of await super.sort(files)) {
      const list = byProject.get(file.project.name) ?? [];
      list.push(file);
      byProject.set(file.project.name, list);
    }
    const lists = [...byProject.values()];
    const longest = Math.max(0, ...lists.map((list) => list.length));
    return Array.from({ length: longest }, (_, index) => lists.flatMap((list) => list[index] ?? [])).flat();
  }
}

export default defineConfig({
  test: {
    maxWorkers: WORKERS,
    sequence: { sequencer: ProjectsInTurn },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Unit files are pure and put back what they change (fake timers, mocks), so a worker keeps
          // its module cache from one file to the next: importing src/ again for every file was half
          // of this project's time.
          isolate: false,
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
