// `vault-exec check`: the start-up without a child, for a CI preflight or a deploy gate. It makes
// every check a start makes (the login, every read, the child's env as the start would build it,
// --user included) and prints the names of the variables the child would get, never their values.
import { withUserEnvironment } from '../child/run-as';
import { filesDirOptions, planFilesDir } from '../child/secret-files';
import { destinationsOf, hasFileOutputs } from '../cli/file-outputs';
import { buildGeneration } from '../running/generation';
import type { CommandContext } from './context';
import { startUp } from './start-up';

export async function checkStartUp(context: CommandContext): Promise<number> {
  const { config, client, log, ledger, now, stop, deps } = context;
  if (config.auth.method === 'approle' && config.auth.secretId !== undefined)
    log.warn(
      `check logs in once with the secret_id: if the role limits its uses (secret_id_num_uses), this spends one${config.auth.removeSecretIdFile ? '; --remove-secret-id-file is not applied by check, the file is kept for the real start' : ''}`,
    );
  const started = await startUp({ config, client, log, ledger, now, signal: stop, keepSecretIdFile: true });
  buildGeneration({
    config,
    inherited: withUserEnvironment(deps.env, config.runAs),
    secrets: started.secrets,
    token: started.session.token,
    log,
  });
  const names = [...started.secrets.values.keys()].sort();
  deps.writeStdout(names.map((name) => `${name}\n`).join(''));
  // The files a start would write, as paths (a "/" tells them from the variables); none is written.
  if (hasFileOutputs(config.files)) {
    // The start's own decision, without its writes: what the start would refuse, check refuses alike.
    planFilesDir(filesDirOptions(config, deps.env));
    const dir = config.files.dir ?? '$VAULT_EXEC_FILES_DIR';
    deps.writeStdout(
      destinationsOf(config.files)
        .map((dest) => `${dir}/${dest}\n`)
        .join(''),
    );
    if (config.files.certificates.length > 0)
      log.info('check issues no certificate: the PKI roles are asked at the real start', { event: 'check' });
  }
  if (config.revokeToken) await ledger.cleanUp();
  log.info(
    `check passed: logged in and read ${names.length} variable${names.length === 1 ? '' : 's'} from Vault at ${client.address}`,
    { event: 'check' },
  );
  return 0;
}
