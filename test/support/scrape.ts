// Reads --metrics-addr the way Prometheus and a kubelet would: GET /metrics, /readyz, /healthz. Every
// answer joins the leak scan, and every scrape is checked by `promtool check metrics`.
import { request } from 'node:http';
import { rememberAnswer } from './leak-scan';
import type { Running } from './processes';
import { promtool } from './promtool';

/** Where the run listens, from its start-up line. */
export async function metricsAddress(running: Running): Promise<string> {
  const line = await running.waitForOutput(/serving \/metrics, \/healthz and \/readyz on http:\/\/\S+/, {
    stream: 'stderr',
  });
  return /on http:\/\/([\w.:[\]-]+)/.exec(line)![1]!;
}

export function get(address: string, path: string): Promise<{ status: number; body: string }> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: address.slice(0, at), port: Number(address.slice(at + 1)), path, agent: false, timeout: 5_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, body: rememberAnswer(`GET ${path}`, body) }),
        );
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

/** One scrape, checked by Prometheus' own parser and linter. */
export async function scrape(address: string): Promise<string> {
  const { status, body } = await get(address, '/metrics');
  if (status !== 200) throw new Error(`GET /metrics answered ${status}`);
  const checked = promtool(['check', 'metrics'], body);
  if (checked.code !== 0)
    throw new Error(`promtool check metrics refused the scrape:\n${checked.output}\n${body}`);
  return body;
}

export const readyz = async (address: string): Promise<number> => (await get(address, '/readyz')).status;

/** The value of one series, by name and labels (all of them, in any order); undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [
        pair[1],
        pair[2],
      ]),
    );
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([key, value]) => found[key] === value))
      return Number(match[3]);
  }
  return undefined;
}

/** The lines of the given metrics, for a figure in the test's output (the closing note's excerpts). */
export function excerpt(text: string, names: string[]): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#') && names.some((name) => line.startsWith(name)))
    .filter((line) => !/ 0$/.test(line) || names.some((name) => line.startsWith(`${name} `)))
    .join('\n');
}
