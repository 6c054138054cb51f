// The PKI engine's endpoints: <mount>/issue/<role> for a certificate and its private key, and
// <mount>/revoke for a serial that a reissued certificate superseded.
import type { CertificateRequest } from '../cli/file-outputs';
import { AuthError, SecretNotFoundError, VaultUnavailableError } from '../util/errors';
import type { Logger } from '../util/log';
import { vaultMessage, type VaultClient } from './http/client';
import { isTransientFailure, requestWithRetry } from './http/send';

export interface IssuedCertificate {
  /** The --certificate name it was issued for. */
  name: string;
  certificate: string;
  privateKey: string;
  /** The issuing CA and its chain, PEM, one after another. */
  caChain: string;
  serialNumber: string;
  /** not_after, in Unix seconds (Vault's `expiration`). */
  expiration: number;
}

export type IssueOutcome =
  | { kind: 'issued'; certificate: IssuedCertificate }
  | { kind: 'transient'; reason: string }
  | { kind: 'rejected'; reason: string; status: number };

/**
 * Each call mints a new certificate, so a request that may have reached Vault is not sent again (a
 * lost answer leaves one certificate unused until its not_after, nothing worse). The private key is
 * registered with the logger's redactor the moment it arrives.
 */
export async function issueCertificate(
  client: VaultClient,
  token: string,
  request: CertificateRequest,
  log: Logger,
): Promise<IssueOutcome> {
  const path = `${request.mount}/issue/${request.role}`;
  const result = await requestWithRetry(
    () => client.request('PUT', path, { token, body: { ...request.params, format: 'pem' } }),
    { once: true },
  );
  if (isTransientFailure(result)) return { kind: 'transient', reason: result.reason };
  if (result.status !== 200)
    return {
      kind: 'rejected',
      reason: `${vaultMessage(result)} (HTTP ${result.status})`,
      status: result.status,
    };
  const data = (result.body?.data ?? {}) as Record<string, unknown>;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const privateKey = text(data.private_key);
  log.redact(privateKey);
  const chain = Array.isArray(data.ca_chain) ? data.ca_chain.map(text).filter((pem) => pem !== '') : [];
  const expiration = typeof data.expiration === 'number' ? data.expiration : NaN;
  if (text(data.certificate) === '' || privateKey === '' || !Number.isFinite(expiration))
    return {
      kind: 'transient',
      reason: `Vault's answer to ${path} lacks the certificate, key or expiration`,
    };
  return {
    kind: 'issued',
    certificate: {
      name: request.name,
      certificate: ensureNewline(text(data.certificate)),
      privateKey: ensureNewline(privateKey),
      caChain: (chain.length > 0 ? chain : [text(data.issuing_ca)]).map(ensureNewline).join(''),
      serialNumber: text(data.serial_number),
      expiration,
    },
  };
}

/** At start: the certificate, or the error the start fails with (one line, its exit code). */
export async function issueAtStart(
  client: VaultClient,
  token: string,
  request: CertificateRequest,
  log: Logger,
): Promise<IssuedCertificate> {
  const outcome = await issueCertificate(client, token, request, log);
  const what = `issuing the certificate ${request.name} from ${request.mount}/issue/${request.role} at ${client.address}`;
  if (outcome.kind === 'issued') return outcome.certificate;
  if (outcome.kind === 'transient') throw new VaultUnavailableError(`${what} failed: ${outcome.reason}`);
  if (outcome.status === 404)
    throw new SecretNotFoundError(`${what} failed: ${outcome.reason}; check the PKI mount and role names`);
  throw new AuthError(
    `${what} was refused: ${outcome.reason}; the token's policy must allow update on ${request.mount}/issue/${request.role}, and the role must allow the names asked for`,
  );
}

/**
 * Revokes a superseded serial. A role with no_store, or a policy without <mount>/revoke, cannot: the
 * certificate then stays valid until its not_after, which is worth one line, never a failure.
 */
export async function revokeCertificate(
  client: VaultClient,
  token: string,
  mount: string,
  serialNumber: string,
  log: Logger,
  /** What the log lines call it. */
  which = 'superseded',
): Promise<boolean> {
  const result = await requestWithRetry(() =>
    client.request('PUT', `${mount}/revoke`, { token, body: { serial_number: serialNumber } }),
  );
  if (!isTransientFailure(result) && result.status === 200) {
    // Vault answers 200 with a warning, and revokes nothing, for a certificate at or past its not_after.
    const warnings: unknown[] = Array.isArray(result.body?.warnings) ? result.body.warnings : [];
    if (warnings.some((warning) => typeof warning === 'string' && /already expired/i.test(warning))) {
      log.debug(`the ${which} certificate ${serialNumber} had expired already: nothing to revoke`);
      return true;
    }
    log.info(`revoked the ${which} certificate ${serialNumber}`, { event: 'certificate-revoked' });
    return true;
  }
  const reason = isTransientFailure(result)
    ? result.reason
    : `${vaultMessage(result)} (HTTP ${result.status})`;
  log.info(
    `could not revoke the ${which} certificate ${serialNumber}: ${reason}; it stays valid until its not_after (the role may have no_store, or the policy lacks update on ${mount}/revoke)`,
    { event: 'certificate-revoke-failed' },
  );
  return false;
}

function ensureNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
