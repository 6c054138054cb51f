// The Vault CLI's TLS variables (VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT/KEY, …) as Node's TLS
// options, read as the Vault CLI reads them; an unreadable file is a usage error (exit 64).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import { join } from 'node:path';
import type { TlsConfig } from '../../cli/config';
import { UsageError } from '../../util/errors';

export function loadTlsOptions(tls: TlsConfig): AgentOptions {
  const options: AgentOptions = { rejectUnauthorized: !tls.skipVerify };
  const authorities: string[] = [];
  if (tls.caCert) authorities.push(readTlsFile(tls.caCert, 'VAULT_CACERT'));
  if (tls.caPath) {
    // As the Vault CLI reads it (go-rootcerts): every file counts, whatever its name (c_rehash's
    // "<hash>.0" links, a Kubernetes secret's "ca"); keys and other files beside the CAs are skipped.
    for (const entry of listDirectory(tls.caPath)) {
      const text = readTlsFile(join(tls.caPath, entry), 'VAULT_CAPATH');
      if (text.includes('-----BEGIN CERTIFICATE-----')) authorities.push(text);
    }
  }
  if (authorities.length > 0) options.ca = authorities;
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    throw new UsageError(
      'VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together for TLS client authentication',
    );
  }
  if (tls.clientCert && tls.clientKey) {
    options.cert = readTlsFile(tls.clientCert, 'VAULT_CLIENT_CERT');
    options.key = readTlsFile(tls.clientKey, 'VAULT_CLIENT_KEY');
  }
  if (tls.serverName) options.servername = tls.serverName;
  return options;
}

function readTlsFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${variable} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      { cause: error },
    );
  }
}

function listDirectory(path: string): string[] {
  try {
    // Regular files, following symlinks; subdirectories (such as a mounted secret's "..data") are not read.
    return readdirSync(path).filter(
      (name) => statSync(join(path, name), { throwIfNoEntry: false })?.isFile() === true,
    );
  } catch (error) {
    throw new UsageError(
      `cannot read VAULT_CAPATH ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      { cause: error },
    );
  }
}
