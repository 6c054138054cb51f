// NODE_EXTRA_CA_CERTS, read by vault-exec itself at its first https request: its launcher (bin/vault-exec)
// keeps the variable from Node's own start, where Node 20 parses the file before any JavaScript runs
// (some 35 ms for a company bundle), even when Vault speaks plain HTTP. The child still gets it as set.
import { readFileSync } from 'node:fs';
import type { ProxyEnv } from './proxy';

const read = new Map<string, string[] | undefined>();
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The file's certificates (PEM), or undefined when the variable is unset or empty. A file that cannot
 * be read, or holds no certificate, is ignored with the warning Node gives at its start for one, once:
 * Node's own CAs still apply.
 */
export function readExtraCaCertificates(env: ProxyEnv): string[] | undefined {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return undefined;
  if (!read.has(file)) {
    let failure: string | undefined;
    try {
      const certificates = readFileSync(file, 'utf8').match(PEM_CERTIFICATE) ?? [];
      read.set(file, certificates.length > 0 ? certificates : undefined);
      if (certificates.length === 0) failure = 'no PEM certificate in it';
    } catch (error) {
      read.set(file, undefined);
      failure = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    }
    if (failure !== undefined)
      process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${failure}\n`);
  }
  return read.get(file);
}
