// What each secret file holds for one generation: a --file's value, a --template rendered with the
// values read for it, a --certificate's certificate, key and CA chain. Pure; child/secret-files.ts writes.
import { certificateFiles, type FileOutputs } from '../cli/file-outputs';
import { refKey } from '../cli/secret-references';
import type { IssuedCertificate } from '../vault/pki';

export function renderFiles(
  outputs: FileOutputs,
  refValues: ReadonlyMap<string, string>,
  certificates: readonly IssuedCertificate[],
): Map<string, string> {
  const files = new Map<string, string>();
  const valueOf = (ref: { path: string; key: string }): string => refValues.get(refKey(ref)) ?? '';
  for (const file of outputs.files) files.set(file.dest, valueOf(file.ref));
  for (const template of outputs.templates)
    files.set(
      template.dest,
      template.parts.map((part) => ('ref' in part ? valueOf(part.ref) : part.literal)).join(''),
    );
  for (const issued of certificates) {
    const names = certificateFiles(issued.name);
    files.set(names.certificate, issued.certificate);
    files.set(names.privateKey, issued.privateKey);
    files.set(names.caChain, issued.caChain);
  }
  return files;
}

/** Same names, same contents. */
export function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, content]) => b.get(name) === content);
}
