// Vault's cert auth method: the TLS client certificate the transport already presents
// (VAULT_CLIENT_CERT/VAULT_CLIENT_KEY) is the credential, so the login body only names the
// certificate role, if any. Nothing to read or refresh: a re-login presents the same certificate.
import type { AuthConfig } from '../../cli/config';
import type { Logger } from '../../util/log';
import type { VaultClient } from '../http/client';
import { describeRefusedLogin, postLogin, type LoginResult } from './session';

type CertAuth = Extract<AuthConfig, { method: 'cert' }>;

export function loginWithCert(client: VaultClient, auth: CertAuth, log: Logger): Promise<LoginResult> {
  const label = 'certificate login';
  return postLogin(client, {
    label,
    mount: auth.mount,
    body: auth.role === undefined ? {} : { name: auth.role },
    log,
    describeRejection: describeRefusedLogin(
      client,
      { label, mount: auth.mount, role: auth.role },
      (status, reason) => hintForRejectedCertLogin(status, reason, auth),
    ),
  });
}

export function hintForRejectedCertLogin(status: number, reason: string, auth: CertAuth): string {
  const where =
    auth.role === undefined ? `auth/${auth.mount}/certs/` : `auth/${auth.mount}/certs/${auth.role}`;
  if (/invalid certificate|no client certificate/i.test(reason))
    return `VAULT_CLIENT_CERT is not signed by the CA in the certificate of ${where}, or it did not reach Vault (a proxy that ends TLS in front of Vault drops it)`;
  // Vault says this both for a certificate from another CA and for one that misses the role's limits.
  if (/no chain matching|constraint|not allowed|common name|\bsan\b|organizational/i.test(reason))
    return `VAULT_CLIENT_CERT is not signed by the CA in the certificate of ${where}, or does not meet its constraints (allowed_common_names, allowed_dns_sans and the like)`;
  if (/role .*not found|unknown role|no such/i.test(reason))
    return `check --role: there is no certificate role "${auth.role}" at auth/${auth.mount}/certs/`;
  if (status === 403)
    return `check that the cert auth method is enabled at auth/${auth.mount} (--auth-mount)`;
  return `check the certificate role at ${where} against VAULT_CLIENT_CERT`;
}
