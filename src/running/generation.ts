// One child's worth of secrets: what it was started with, and the token its leases were read with.
import { assertChildEnvFits } from '../child/env-limits';
import type { Config } from '../cli/config';
import type { Clock } from '../util/clock';
import type { Env } from '../util/env';
import type { Logger } from '../util/log';
import type { VaultClient } from '../vault/http/client';
import { readSecrets, type Lease, type ResolvedSecrets } from '../vault/secrets';
import { fileRefsOf } from '../cli/file-outputs';
import { envNameOf } from '../cli/options';
import type { IssuedCertificate } from '../vault/pki';
import { buildChildEnv } from './child-env';
import { renderFiles } from './file-contents';

export interface Generation {
  secrets: ResolvedSecrets;
  env: Record<string, string>;
  token: string;
  /** The secret files by name, as this generation's child reads them. */
  files: Map<string, string>;
  certificates: IssuedCertificate[];
}

/**
 * The child's env from what was read. Throws exit 65 for an env the kernel would refuse, so that a
 * start fails before spawning, `check` fails as the start would, and a restart keeps the old child.
 */
export function buildGeneration(options: {
  config: Config;
  inherited: Env;
  secrets: ResolvedSecrets;
  token: string;
  log: Logger;
  certificates?: IssuedCertificate[];
  /** Where the files are written: the child is told (VAULT_EXEC_FILES_DIR). */
  filesDir?: string;
}): Generation {
  const { config, secrets, token } = options;
  const certificates = options.certificates ?? [];
  const env = buildChildEnv({
    inherited: options.inherited,
    secrets: secrets.values,
    templates: config.templates,
    passToken: config.passToken ? token : undefined,
    log: options.log,
  });
  if (options.filesDir !== undefined) env[envNameOf('filesDir')] = options.filesDir;
  assertChildEnvFits(config.command, env);
  const files = renderFiles(config.files, secrets.refValues, certificates);
  return { secrets, env, token, files, certificates };
}

/**
 * A restart's generation: reads only the API paths in `replace`, keeping the other answers of
 * `previous`. Every lease it reads goes to `onLease` at once, whether or not the rest succeeds.
 */
export async function prepareGeneration(options: {
  client: VaultClient;
  config: Config;
  inherited: Env;
  token: string;
  log: Logger;
  now: Clock;
  previous: Generation;
  replace: ReadonlySet<string>;
  /** The newest certificates: a reissued one replaces its predecessor in the next generation. */
  certificates: IssuedCertificate[];
  filesDir?: string;
  onLease(lease: Lease): void;
}): Promise<Generation> {
  const { config, token, log } = options;
  const secrets = await readSecrets({
    client: options.client,
    token,
    mappings: config.secrets,
    imports: config.pathImports,
    templates: config.templates,
    fileRefs: fileRefsOf(config.files),
    log,
    previous: options.previous.secrets,
    replace: options.replace,
    onLease: options.onLease,
    now: options.now,
  });
  return buildGeneration({ ...options, secrets });
}
