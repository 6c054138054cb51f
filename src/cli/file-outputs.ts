// Secrets as files (--file, --template, --certificate, --files-dir, --file-mode, --reload-signal),
// parsed without I/O. The resolve step reads the templates' text; child/secret-files.ts writes.
import { UsageError, escapeControlCharacters, quote } from '../util/errors';
import { isUsablePath, parseRef, type SecretRef, type TemplatePart } from './secret-references';

//   --file DEST=PATH#KEY                     one value, as it is, in the file DEST
//   --template SRC:DEST                      SRC's text with its ${vault:PATH#KEY} references filled in
//   --certificate NAME=MOUNT/ROLE?common_name=CN[&alt_names=A][&ip_sans=IP][&uri_sans=U][&ttl=T]
//                                            NAME.crt, NAME.key and NAME.ca.crt from MOUNT/issue/ROLE
// DEST and NAME are plain file names inside the files directory.

export interface SecretFile {
  dest: string;
  ref: SecretRef;
}

export interface TemplateFile {
  /** Absolute: the template read at start. */
  source: string;
  dest: string;
  parts: TemplatePart[];
}

/** What a --certificate asks the PKI engine for; parameter names as Vault's issue endpoint takes them. */
export interface CertificateRequest {
  name: string;
  mount: string;
  role: string;
  params: { common_name: string; alt_names?: string; ip_sans?: string; uri_sans?: string; ttl?: string };
}

/** The signals a child may be told to re-read its files with. */
export const RELOAD_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM'] as const;
export type ReloadSignal = (typeof RELOAD_SIGNALS)[number];

export const DEFAULT_FILE_MODE = '0400';

export interface FileOutputs {
  /** --files-dir when given: the user chose it, so a disk-backed one is accepted. */
  dir?: string;
  mode: number;
  files: SecretFile[];
  templates: TemplateFile[];
  certificates: CertificateRequest[];
  reloadSignal?: ReloadSignal;
}

/** The three files of a certificate, by the name given to --certificate. */
export function certificateFiles(name: string): { certificate: string; privateKey: string; caChain: string } {
  return { certificate: `${name}.crt`, privateKey: `${name}.key`, caChain: `${name}.ca.crt` };
}

/** Every destination name, in the order given (templates' and certificates' included). */
export function destinationsOf(outputs: Pick<FileOutputs, 'files' | 'templates' | 'certificates'>): string[] {
  return [
    ...outputs.files.map((file) => file.dest),
    ...outputs.templates.map((template) => template.dest),
    ...outputs.certificates.flatMap((request) => Object.values(certificateFiles(request.name))),
  ];
}

/** The references files need read, with the env's, one read per path. */
export function fileRefsOf(outputs: Pick<FileOutputs, 'files' | 'templates'>): SecretRef[] {
  return [
    ...outputs.files.map((file) => file.ref),
    ...outputs.templates.flatMap((template) =>
      template.parts.flatMap((part) => ('ref' in part ? [part.ref] : [])),
    ),
  ];
}

export function hasFileOutputs(outputs: FileOutputs): boolean {
  return destinationsOf(outputs).length > 0;
}

/** A destination is a plain name in the files directory: no "/", no leading ".", nothing to escape it. */
export function checkDestName(name: string, where: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name) || name.length > 200)
    throw new UsageError(
      `invalid file name ${quote(escapeControlCharacters(name))} in ${where}: use a plain name such as tls.key (letters, digits, ".", "_", "-"; no "/"), written inside --files-dir`,
    );
  return name;
}

/** Parses a --file value: DEST=PATH#KEY. */
export function parseSecretFile(text: string): SecretFile {
  const equals = text.indexOf('=');
  if (equals <= 0)
    throw new UsageError(
      `invalid --file ${quote(escapeControlCharacters(text))}: expected DEST=PATH#KEY, e.g. --file sa.json=secret/app/gcp#key`,
    );
  const dest = checkDestName(text.slice(0, equals), '--file');
  return { dest, ref: parseRef(text.slice(equals + 1), `--file ${dest}`) };
}

/** Parses a --template value: SRC:DEST (split at the last ":", since DEST holds none). */
export function parseTemplateSpec(text: string): { source: string; dest: string } {
  const colon = text.lastIndexOf(':');
  if (colon <= 0)
    throw new UsageError(
      `invalid --template ${quote(escapeControlCharacters(text))}: expected SRC:DEST, e.g. --template config.json.tpl:config.json`,
    );
  return { source: text.slice(0, colon), dest: checkDestName(text.slice(colon + 1), '--template') };
}

const CERTIFICATE_PARAMS = ['common_name', 'alt_names', 'ip_sans', 'uri_sans', 'ttl'] as const;
const CERTIFICATE_HINT =
  'expected NAME=MOUNT/ROLE?common_name=CN[&alt_names=A][&ip_sans=IP][&ttl=T], e.g. --certificate "tls=pki/web?common_name=app.example.com&ttl=24h"';

/** Parses a --certificate value; a repeated alt_names, ip_sans or uri_sans adds a name. */
export function parseCertificateRequest(text: string): CertificateRequest {
  const shown = quote(escapeControlCharacters(text));
  const equals = text.indexOf('=');
  const question = text.indexOf('?');
  if (equals <= 0 || question === -1 || question < equals)
    throw new UsageError(`invalid --certificate ${shown}: ${CERTIFICATE_HINT}`);
  const name = checkDestName(text.slice(0, equals), '--certificate');
  const path = text
    .slice(equals + 1, question)
    .trim()
    .replace(/^\/+|\/+$/g, '');
  const segments = path.split('/');
  // "pki/issue/web" is the endpoint as Vault names it; "pki/web" the short form.
  if (segments.length >= 3 && segments.at(-2) === 'issue') segments.splice(-2, 1);
  const role = segments.pop() ?? '';
  const mount = segments.join('/');
  if (mount === '' || role === '' || !isUsablePath(path))
    throw new UsageError(`invalid --certificate ${shown}: name the PKI mount and role; ${CERTIFICATE_HINT}`);
  const query = new URLSearchParams(text.slice(question + 1));
  const params: Record<string, string> = {};
  for (const key of new Set(query.keys())) {
    if (!(CERTIFICATE_PARAMS as readonly string[]).includes(key))
      throw new UsageError(
        `invalid --certificate ${shown}: unknown parameter ${quote(escapeControlCharacters(key))}; use ${CERTIFICATE_PARAMS.join(', ')}`,
      );
    const values = query.getAll(key).filter((value) => value !== '');
    if (values.length > 1 && (key === 'common_name' || key === 'ttl'))
      throw new UsageError(`invalid --certificate ${shown}: ${key} is given more than once`);
    if (values.length > 0) params[key] = values.join(',');
  }
  if (params.common_name === undefined)
    throw new UsageError(`invalid --certificate ${shown}: common_name is required; ${CERTIFICATE_HINT}`);
  if (params.ttl !== undefined && !/^[0-9]+[smhd]?$/.test(params.ttl))
    throw new UsageError(
      `invalid --certificate ${shown}: ttl must be a number of seconds or a value like 90s, 30m, 24h, 30d`,
    );
  return { name, mount, role, params: params as CertificateRequest['params'] };
}

/** --file-mode: octal, never readable or writable by others, and readable by the owner. */
export function parseFileMode(text: string): number {
  const trimmed = text.trim().replace(/^0o/i, '');
  const mode = /^[0-7]{3,4}$/.test(trimmed) ? parseInt(trimmed, 8) : NaN;
  if (!(mode <= 0o777))
    throw new UsageError(
      `invalid --file-mode ${quote(escapeControlCharacters(text))}: expected octal such as 0400 or 0440`,
    );
  if ((mode & 0o007) !== 0)
    throw new UsageError(
      `--file-mode ${text.trim()} lets every user of the machine reach the secrets: drop the last digit's bits, e.g. 0400 or 0440`,
    );
  if ((mode & 0o400) === 0)
    throw new UsageError(
      `--file-mode ${text.trim()} does not let the child read its own files: use 0400 or 0440`,
    );
  return mode;
}

/** --reload-signal: HUP, SIGHUP, hup all name SIGHUP. */
export function parseReloadSignal(text: string): ReloadSignal {
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!(RELOAD_SIGNALS as readonly string[]).includes(name))
    throw new UsageError(
      `invalid --reload-signal ${quote(escapeControlCharacters(text))}: use one of ${RELOAD_SIGNALS.map((signal) => signal.slice(3)).join(', ')}`,
    );
  return name as ReloadSignal;
}

/** Every destination once: two outputs writing one file would overwrite each other. */
export function checkDistinctDestinations(dests: string[]): void {
  const duplicate = dests.find((dest, index) => dests.indexOf(dest) !== index);
  if (duplicate !== undefined)
    throw new UsageError(
      `the file ${quote(duplicate)} is written by more than one --file, --template or --certificate: give each its own name`,
    );
}
