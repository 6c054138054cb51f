// The suite-wide leak scan: every vault-exec the integration tests start is remembered here, and
// after each test its stderr (vault-exec's own output; the children write to stdout) is searched for
// every secret value, role_id and secret_id the test provisioned, and for anything shaped like a
// Vault token. The answers of --metrics-addr (scrapes, probes) are searched too, and also for anything
// shaped like a lease ID or a token accessor, which no metric label may carry. A hit fails the test
// that produced it.
const knownSecrets = new Set<string>();
/** A bundle's process, or an in-process run (pid: the test worker's). */
interface ScannedRun {
  pid: number;
  stderr(): string;
}
const cliRuns: ScannedRun[] = [];
/** Scrapes and probe answers, by where they came from. */
const answers: Array<{ from: string; text: string }> = [];

/**
 * Vault service and batch tokens (hvs./hvb.), legacy s. tokens, and wrapping tokens; AWS access key
 * ids (long-term AKIA…, temporary ASIA…) and SigV4 signatures, whoever made them; and a PEM private
 * key (a --certificate's key, a key file written with --file), whatever its algorithm.
 */
const TOKEN_SHAPES = [
  /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/,
  /\bs\.[A-Za-z0-9]{24}\b/,
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/,
  /Signature=[0-9a-f]{64}/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

export function rememberSecret(value: string): string {
  if (value.length >= 6) knownSecrets.add(value);
  return value;
}

export function rememberCliRun(running: ScannedRun): void {
  cliRuns.push(running);
}

/**
 * Vault's lease IDs end in, and its accessors are, 24 random letters and digits (base62): a metric
 * label never holds one. Both letters and digits, so a long number or word is not taken for one.
 */
const ID_SHAPE = /(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{24}(?![A-Za-z0-9])/;

/** A scrape or probe answer of --metrics-addr, searched like a run's stderr and for IDs. */
export function rememberAnswer(from: string, text: string): string {
  answers.push({ from, text });
  return text;
}

/** Context for a failure message, with every known secret and token hidden. */
function mask(text: string): string {
  let masked = text;
  for (const secret of knownSecrets) masked = masked.split(secret).join('<secret>');
  for (const shape of TOKEN_SHAPES) masked = masked.replace(new RegExp(shape.source, 'g'), '<token>');
  return masked;
}

/** What leaked in the runs since the last call; clears the list of runs. */
export function takeLeaks(): string[] {
  const leaks: string[] = [];
  for (const run of cliRuns.splice(0)) {
    const output = run.stderr();
    for (const secret of knownSecrets)
      if (output.includes(secret))
        leaks.push(`secret value "${secret.slice(0, 4)}…" in the stderr of pid ${run.pid}`);
    for (const shape of TOKEN_SHAPES) {
      const match = shape.exec(output);
      if (match)
        leaks.push(
          `a token (${match[0].slice(0, 6)}…) in the stderr of pid ${run.pid}, after: …${mask(output.slice(Math.max(0, match.index - 200), match.index))}`,
        );
    }
  }
  for (const { from, text } of answers.splice(0)) {
    for (const secret of knownSecrets)
      if (text.includes(secret)) leaks.push(`secret value "${secret.slice(0, 4)}…" in ${from}`);
    for (const shape of [...TOKEN_SHAPES, ID_SHAPE]) {
      const match = shape.exec(text);
      if (match)
        leaks.push(
          `an ID or token (${match[0].slice(0, 4)}…) in ${from}, in: ${mask(lineAround(text, match.index))}`,
        );
    }
  }
  return leaks;
}

function lineAround(text: string, index: number): string {
  const end = text.indexOf('\n', index);
  return text.slice(text.lastIndexOf('\n', index) + 1, end === -1 ? text.length : end);
}
