// Readers of the files `vault-exec env` writes. Docker Compose runs for real (its dotenv reader, and
// docker's own `--env-file` reader behind `format: raw`); the others follow their program's
// documented rules and code where it cannot run here, and say which.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensuredPath } from './ensure-script';

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

/** The pinned docker-compose, built once from the Go module proxy (minutes cold, cached afterwards). */
export function dockerComposePath(): string {
  return ensuredPath('ensure-docker-compose', 'Docker Compose');
}

/** What Docker Compose read from one env file, through each way a compose project can read it. */
export interface ComposeReadings {
  /** `env_file:` in a service (compose-go's dotenv reader, or docker's own with `format: raw`). */
  envFile: Map<string, string>;
  /** `docker compose --env-file F`, each name interpolated as `NAME: ${NAME}`; dotenv only. */
  interpolated?: Map<string, string>;
}

/**
 * Runs the real `docker-compose config` (no daemon needed) on a file of `names`: `dotenv` reads it as
 * `--env-file` and `env_file:` do, `raw` as `env_file: {format: raw}`, which is the code behind
 * `docker run --env-file`. One run reads a whole batch, so a property test stays fast.
 */
export function readWithDockerCompose(
  text: string,
  names: readonly string[],
  format: 'dotenv' | 'raw',
): ComposeReadings {
  const dir = mkdtempSync(join(tmpdir(), 'vault-exec-compose-'));
  try {
    writeFileSync(join(dir, 'values.env'), text);
    const envFile = format === 'raw' ? '[{path: values.env, format: raw}]' : '[values.env]';
    const interpolate =
      format === 'dotenv'
        ? `  interpolated:\n    image: scratch\n    environment:\n${names.map((name) => `      ${name}: \${${name}}\n`).join('')}`
        : '';
    writeFileSync(
      join(dir, 'compose.yml'),
      `services:\n  from_file:\n    image: scratch\n    env_file: ${envFile}\n${interpolate}`,
    );
    const args = ['-p', 'vault-exec-test', '-f', join(dir, 'compose.yml')];
    if (format === 'dotenv') args.unshift('--env-file', join(dir, 'values.env'));
    // Only PATH: compose lets the process environment override the env file, and reads its own
    // COMPOSE_* variables from it.
    const json = execFileSync(dockerComposePath(), [...args, 'config', '--format', 'json'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // `config` doubles every "$" of its output so it can be loaded again (cmd/compose/config.go).
    const services = (JSON.parse(json.replaceAll('$$', '$')) as ComposeConfig).services;
    const read = (service: string) => new Map(Object.entries(services[service]?.environment ?? {}));
    return format === 'dotenv'
      ? { envFile: read('from_file'), interpolated: read('interpolated') }
      : { envFile: read('from_file') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ComposeConfig {
  services: Record<string, { environment?: Record<string, string> }>;
}
