// --template SRC:DEST: reads each SRC once, at start, and parses its ${vault:PATH#KEY} references with
// the parser the environment's references use. A template changed later takes effect at the next start.
import { isAbsolute, resolve } from 'node:path';
import type { TemplateFile } from '../cli/file-outputs';
import { parseTemplate } from '../cli/secret-references';
import { UsageError, describeReadFailure, escapeControlCharacters, quote } from '../util/errors';
import type { ResolveIo } from './io';

export function readTemplates(
  sources: Array<{ source: string; dest: string }>,
  io: ResolveIo,
): TemplateFile[] {
  return sources.map(({ source, dest }) => {
    const path = isAbsolute(source) ? source : resolve(io.cwd, source);
    let text: string;
    try {
      text = io.readFile(path);
    } catch (error) {
      throw new UsageError(
        `cannot read the template ${quote(escapeControlCharacters(source))} of --template ${dest}: ${describeReadFailure(error)}`,
        { cause: error },
      );
    }
    return { source: path, dest, parts: parseTemplate(text, `the template ${quote(source)}`) };
  });
}
