// Readers of the files `vault-exec env` writes, for the formats whose real reader cannot run here.
// Each follows its program's documented rules and code, and says which.

/**
 * `$GITHUB_ENV` as the Actions runner reads it (runner `FileCommandManager`, `SetEnvFileCommand`):
 * lines split at "\n" (a "\r\n" counts as one break); `NAME=VALUE` when "=" comes before any "<<";
 * otherwise `NAME<<DELIMITER`, then every line up to one that equals the delimiter exactly, the value
 * being the text between without the line break that precedes the delimiter line.
 */
export function readGithubEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let index = 0;
  const readLine = (): { line: string; newline: string } | undefined => {
    if (index >= text.length) return undefined;
    const lf = text.indexOf('\n', index);
    const end = lf === -1 ? text.length : lf;
    const crlf = lf > 0 && text[lf - 1] === '\r';
    const line = text.slice(index, crlf ? end - 1 : end);
    index = lf === -1 ? text.length : lf + 1;
    return { line, newline: lf === -1 ? '' : crlf ? '\r\n' : '\n' };
  };
  for (let next = readLine(); next !== undefined; next = readLine()) {
    const { line } = next;
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      values.set(line.slice(0, equals), line.slice(equals + 1));
      continue;
    }
    if (heredoc <= 0) throw new Error(`Invalid format '${line}'`);
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    if (delimiter === '') throw new Error(`Invalid format '${line}'`);
    const start = index;
    let end = index;
    for (let valueLine = readLine(); ; valueLine = readLine()) {
      if (valueLine === undefined) throw new Error(`Matching delimiter not found '${delimiter}'`);
      if (valueLine.line === delimiter) break;
      if (valueLine.newline === '') throw new Error('EOF marker missing new line');
      end = index - valueLine.newline.length;
    }
    values.set(name, end > start ? text.slice(start, end) : '');
  }
  return values;
}

/** The values registered by `::add-mask::` lines, percent-decoded as the runner decodes command data. */
export function readAddMaskCommands(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) =>
      line
        .slice('::add-mask::'.length)
        .replaceAll('%0D', '\r')
        .replaceAll('%0A', '\n')
        .replaceAll('%25', '%'),
    );
}

/**
 * `docker run --env-file` (docker/cli `opts/envfile.go`): lines split by Go's bufio.ScanLines (which
 * drops a trailing "\r"), leading whitespace trimmed, blank and "#" lines skipped, the name before the
 * first "=", the value everything after it, literally.
 */
export function readDockerEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0 || /\s/.test(line.slice(0, equals))) throw new Error(`bad env-file line ${line}`);
    values.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return values;
}
