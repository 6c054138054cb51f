// run(argv, deps) inside the test worker, with the same real Vault and real children as the bundle:
// a parse-level row costs microseconds instead of a Node start, and a row that reaches the child still
// spawns it for real. The child inherits the worker's stdio (there is no pipe to read), so a test
// that must see what the child printed runs the bundle (processes.ts) instead.
//
// What only the bundle has (main.ts: the signal handlers, the guarded streams, process.exit with the
// code) keeps its own end-to-end tests; a table here checks the rule behind each of them.
import { run } from '../../src/run';
import { rememberCliRun } from './leak-scan';

export interface InProcessExit {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  env?: NodeJS.ProcessEnv;
  /** Where a project file is looked for; a test's own directory keeps the repository's file out. */
  cwd?: string;
}

export async function runInProcess(argv: string[], options: InProcessOptions = {}): Promise<InProcessExit> {
  let stdout = '';
  let stderr = '';
  rememberCliRun({ pid: process.pid, stderr: () => stderr });
  const code = await run(argv, {
    env: options.env ?? {},
    cwd: options.cwd ?? '/',
    writeStdout: (text) => (stdout += text),
    writeStderr: (text) => (stderr += text),
    // No process signals reach an in-process run; signal forwarding is the bundle's to show.
    onSignals: () => {},
    isPidOne: false,
  });
  return { code, stdout, stderr };
}
