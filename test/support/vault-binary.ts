import { ensuredPath } from './ensure-script';

// A cold build takes minutes, so the script runs at most once per process. Failures throw rather
// than skip: an integration run without a real server must not look green. `--pinned`: the suite
// runs against the one pinned Vault version, never whatever `vault` is installed, so CI is
// reproducible (VAULT_EXEC_SERVER_BIN still overrides it on purpose).
export function vaultBinaryPath(): string {
  return ensuredPath('ensure-vault-server', 'a Vault server binary', ['--pinned']);
}
