// `vault-exec [run] -- cmd`: the start-up, then the running phase supervises the child until it ends.
import { assertChildEnvFits } from '../child/env-limits';
import { withUserEnvironment } from '../child/run-as';
import { spawnChild, type SpawnOptions } from '../child/spawn';
import { SecretFiles } from '../child/secret-files';
import { createSupervisor } from '../child/supervisor-shell';
import { hasFileOutputs } from '../cli/file-outputs';
import { issueAtStart, type IssuedCertificate } from '../vault/pki';
import { buildGeneration } from '../running/generation';
import { RunningPhase } from '../running/running-phase';
import type { Env } from '../util/env';
import { buildFallbackChildEnv, isOutage } from './fallback-env';
import type { CommandContext } from './context';
import { startUp, type StartedUp } from './start-up';

export async function runChild(context: CommandContext): Promise<number> {
  const { config, client, log, ledger, now, stop, deps, observer } = context;
  const inherited = withUserEnvironment(deps.env, config.runAs);
  let started: StartedUp;
  try {
    started = await startUp({ config, client, log, ledger, now, signal: stop, observer });
  } catch (error) {
    // `vault-exec run` in development only (cli/fallback-policy.ts).
    if (config.fallbackEnv === undefined || !isOutage(error) || stop.aborted) throw error;
    return runOnFallback(context, inherited, error as Error);
  }
  // From the first file written to the exit, whichever way it comes, the files are removed again.
  let files: SecretFiles | undefined;
  try {
    const certificates = await issueCertificates(context, started.session.token);
    if (hasFileOutputs(config.files))
      files = SecretFiles.open({
        explicitDir: config.files.dir,
        env: deps.env,
        mode: config.files.mode,
        owner: config.runAs && { uid: config.runAs.uid, gid: config.runAs.gid },
        log,
      });
    const first = buildGeneration({
      config,
      inherited,
      secrets: started.secrets,
      token: started.session.token,
      log,
      certificates,
      filesDir: files?.dir,
    });
    if (files) {
      const written = files.write(first.files);
      log.info(`wrote ${written.length} secret file${written.length === 1 ? '' : 's'} to ${files.dir}`, {
        event: 'files-written',
        names: written.join(','),
      });
    }
    stop.throwIfAborted();
    if (deps.isPidOne)
      log.warn(
        'running as PID 1: orphaned grandchildren will not be reaped; run the container with an init (docker run --init, compose "init: true", or tini)',
      );
    const phase = new RunningPhase({
      config,
      client,
      log,
      ledger,
      login: started,
      first,
      inherited,
      terminal: deps.terminal,
      now,
      files,
      spawn: spawnFor(context),
      observer,
    });
    deps.onSignals((signal) => phase.dispatchSignal(signal));
    const code = await phase.exited;
    // First, before the clean-up's requests: a grace period that runs out must not leave the files.
    files?.removeAll();
    await phase.close();
    return code;
  } finally {
    files?.removeAll();
  }
}

/** One after another: each is a write that mints a key pair; a stop signal ends the series. */
async function issueCertificates(context: CommandContext, token: string): Promise<IssuedCertificate[]> {
  const { config, client, log, stop } = context;
  const issued: IssuedCertificate[] = [];
  for (const request of config.files.certificates) {
    const certificate = await issueAtStart(client, token, request, log);
    issued.push(certificate);
    stop.throwIfAborted();
    log.info(
      `issued the certificate ${request.name} from ${request.mount}/issue/${request.role} (serial ${certificate.serialNumber}, not after ${new Date(certificate.expiration * 1000).toISOString()})`,
      { event: 'certificate-issued' },
    );
  }
  return issued;
}

/**
 * The development fallback (commands/fallback-env.ts): a child from the .env file's values for the
 * mapped names, built from the same inherited env as every generation, with no token, leases or watch.
 */
async function runOnFallback(context: CommandContext, inherited: Env, outage: Error): Promise<number> {
  const { config, log, deps } = context;
  const env = buildFallbackChildEnv({ config, inherited, outage, log });
  if (hasFileOutputs(config.files))
    log.warn(
      'the .env fallback writes no secret files: --file, --template and --certificate need Vault, so the child starts without them',
    );
  assertChildEnvFits(config.command, env);
  const supervisor = createSupervisor({
    killTimeoutMs: config.killTimeoutMs,
    log,
    terminal: deps.terminal,
    processGroup: config.processGroup,
    spawn: spawnFor(context),
  });
  deps.onSignals((signal) => supervisor.dispatch({ type: 'signal', signal }));
  supervisor.start(config.command, env);
  return supervisor.exited;
}

function spawnFor({ config, redactor, deps }: CommandContext) {
  const spawn = deps.spawn ?? spawnChild;
  return (command: string[], env: Record<string, string>, options: SpawnOptions) =>
    spawn(command, env, {
      ...options,
      identity: config.runAs,
      // --mask: everything the redactor knows by now, so this child's secrets (interpolated ones,
      // the token with --pass-token, a .env fallback's values) and vault-exec's credentials.
      maskValues: config.mask ? redactor.values() : undefined,
    });
}
