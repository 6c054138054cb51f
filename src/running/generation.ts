import { assertChildEnvFits } from '../child/env-limits';
import { buildChildEnv } from './child-env';
import type { Config } from '../cli/config';
import type { Env } from '../util/env';
import type { Logger } from '../util/log';
import type { VaultClient } from '../vault/http/client';
import { readSecrets, type Lease, type ResolvedSecrets } from '../vault/secrets';

/** One child's worth of secrets: what it was started with, and the token its leases were read with. */
export interface Generation {
  secrets: ResolvedSecrets;
  env: Record<string, string>;
  token: string;
}

/**
 * Prepares the next generation: reads what must be read (everything the first time; afterwards only
 * the API paths in `replace`, keeping the other answers of `previous`) and builds the child's env.
 * Throws like the start-up read does (and exit 65 for an env the kernel would refuse); leases it read before failing are left in `minted`.
 */
export async function prepareGeneration(options: {
  client: VaultClient;
  config: Config;
  inherited: Env;
  token: string;
  log: Logger;
  previous?: Generation;
  replace?: ReadonlySet<string>;
  minted: Lease[];
}): Promise<Generation> {
  const { config, token, log } = options;
  const secrets = await readSecrets({
    client: options.client,
    token,
    mappings: config.secrets,
    imports: config.pathImports,
    templates: config.templates,
    log,
    previous: options.previous?.secrets,
    replace: options.replace,
    minted: options.minted,
  });
  const env = buildChildEnv({
    inherited: options.inherited,
    secrets: secrets.values,
    templates: config.templates,
    passToken: config.passToken ? token : undefined,
    log,
  });
  // Part of preparing: a restart whose env the kernel would refuse keeps the old child running.
  assertChildEnvFits(config.command, env);
  return { secrets, env, token };
}
