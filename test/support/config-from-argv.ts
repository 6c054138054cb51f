// Parse, then resolve, as run() does before Vault: a Config from argv and an environment, for tests
// of what comes after. The resolve step reads through `io` (Node's unless a test gives its own).
import { parseCommandLine, type CommandLine } from '../../src/cli/parse-command-line';
import { createNodeIo, type ResolveIo } from '../../src/resolve/io';
import { resolveConfig, type ResolvedCommand } from '../../src/resolve/resolve-config';
import type { Env } from '../../src/util/env';

export function configFromArgv(
  argv: string[],
  env: Env,
  io: ResolveIo = createNodeIo(),
): ResolvedCommand | Extract<CommandLine, { kind: 'exit' }> {
  const commandLine = parseCommandLine(argv, env);
  return commandLine.kind === 'exit' ? commandLine : resolveConfig(commandLine, env, io);
}
