// `vault-exec [run] -- cmd`: the start-up, then the running phase supervises the child until it ends.
import { assertChildEnvFits } from '../child/env-limits';
import { withUserEnvironment } from '../child/run-as';
import { spawnChild, type SpawnOptions } from '../child/spawn';
import { SecretFiles, filesDirOptions } from '../child/secret-files';
import { createSupervisor } from '../child/supervisor-shell';
import { hasFileOutputs } from '../cli/file-outputs';
import { issueAtStart, revokeCertificate, type IssuedCertificate } from '../vault/pki';
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
  // From the first file written to the exit, whichever way it comes, the files are removed again:
  // by the finally, or, when an internal error exits the process where no finally runs, at its exit.
  let files: SecretFiles | undefined;
  let forgetExitHook: (() => void) | undefined;
  // Certificates issued for a start that fails before the child runs serve no one: revoked.
  const issued: IssuedCertificate[] = [];
  let phase: RunningPhase | undefined;
  try {
    await issueCertificates(context, started.session.token, issued);
    if (hasFileOutputs(config.files)) {
      files = SecretFiles.open({ ...filesDirOptions(config, deps.env), log });
      const opened = files;
      forgetExitHook = deps.onExit?.(() => opened.removeAll());
    }
    const first = buildGeneration({
      config,
      inherited,
      secrets: started.secrets,
      token: started.session.token,
      log,
      certificates: issued,
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
    phase = new RunningPhase({
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
    const running = phase;
    deps.onSignals((signal) => running.dispatchSignal(signal));
    const code = await phase.exited;
    // First, before the clean-up's requests: a grace period that runs out must not leave the files.
    files?.removeAll();
    await phase.close();
    return code;
  } catch (error) {
    files?.removeAll();
    if (phase === undefined) await revokeUnused(context, started.session.token, issued);
    throw error;
  } finally {
    files?.removeAll();
    forgetExitHook?.();
  }
}

/** One after another, into `issued`: each is a write that mints a key pair; a stop signal ends the series. */
async function issueCertificates(
  context: CommandContext,
  token: string,
  issued: IssuedCertificate[],
): Promise<void> {
  const { config, client, log, stop } = context;
  for (const request of config.files.certificates) {
    const certificate = await issueAtStart(client, token, request, log);
    issued.push(certificate);
    stop.throwIfAborted();
    log.info(
      `issued the certificate ${request.name} from ${request.mount}/issue/${request.role} (serial ${certificate.serialNumber}, not after ${new Date(certificate.expiration * 1000).toISOString()})`,
      { event: 'certificate-issued' },
    );
  }
}

/** Before the token is revoked (the caller's clean-up comes after): a failed start's certificates. */
async function revokeUnused(
  context: CommandContext,
  token: string,
  issued: IssuedCertificate[],
): Promise<void> {
  for (const certificate of issued) {
    const request = context.config.files.certificates.find(
      (candidate) => candidate.name === certificate.name,
    );
    if (request)
      await revokeCertificate(
        context.client,
        token,
        request.mount,
        certificate.serialNumber,
        context.log,
        'unused',
      );
  }
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
