// Checks of single values that the command line, the env twins and the project file share.
import { UsageError, quote } from '../util/errors';
import type { ListenAddress } from './config';
import { isUsablePath } from './secret-references';

/** Strict, as the Vault CLI's strconv.ParseBool: "false" must keep TLS verification on. */
export function parseBoolean(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  const normalised = value.trim().toLowerCase();
  if (['1', 't', 'true', 'yes', 'on'].includes(normalised)) return true;
  if (['0', 'f', 'false', 'no', 'off'].includes(normalised)) return false;
  throw new UsageError(`invalid value ${quote(value)} for ${name}: use true or false`);
}

/** The address without trailing slashes; only http and https. */
export function parseAddress(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `invalid Vault address ${quote(withoutUserinfo(text))}: expected a URL such as https://vault.example.com:8200`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `invalid Vault address ${quote(withoutUserinfo(text))}: the scheme must be http or https`,
    );
  }
  return text.replace(/\/+$/, '');
}

/** A malformed address may still hold user:password: never show it (https://user:pw@... → https://...@...). */
function withoutUserinfo(text: string): string {
  return text.replace(/^([^:/?#]*:\/\/)[^/?#@]*@/, '$1…@');
}

export function requirePositive(ms: number, flag: string): number {
  if (ms <= 0) throw new UsageError(`${flag} must be greater than zero`);
  return ms;
}

/** An auth method's mount path, without the slashes around it. */
export function parseMountPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') throw new UsageError(`invalid mount path ${quote(path)}: name the auth method's mount`);
  // "../../x" would send the login, credentials and all, to another path of Vault's host.
  if (!isUsablePath(trimmed))
    throw new UsageError(
      `invalid mount path ${quote(path)}: use slash-separated names without spaces, "?", "." or ".." segments`,
    );
  return trimmed;
}

/** An environment value, or undefined when it is unset or blank. */
export function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * --metrics-addr: `port`, `host:port` or `[ipv6]:port`. A bare port listens on 127.0.0.1 only: the
 * metrics name paths and expiry times, so listening wider is for the user to ask. Port 0 lets the
 * system choose (the start-up line names the port).
 */
export function parseListenAddress(text: string): ListenAddress {
  const value = text.trim();
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):)?(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535)
    throw new UsageError(
      `invalid --metrics-addr ${quote(text)}: expected [host:]port, such as 9464, 0.0.0.0:9464 or [::]:9464, with a port up to 65535`,
    );
  const host = match[1] === undefined ? '127.0.0.1' : match[1].replace(/^\[|\]$/g, '');
  return { host, port };
}
