// HTTP(S)_PROXY and NO_PROXY, read as the Vault CLI reads them (Go's net/http). The proxy may be http://
// or https:// (spoken to in TLS: proxy-connection.ts); Vault traffic to https:// goes through a CONNECT
// tunnel, so the proxy never sees the token.
import { BlockList, isIP } from 'node:net';

export type ProxyEnv = Record<string, string | undefined>;

/**
 * The upper-case name first; NO_PROXY lists hosts, ".domain" or "domain" (its subdomains too),
 * "host:port", IPs and CIDR ranges, or "*"; localhost and loopback addresses are never proxied.
 */
export function proxyFor(url: URL, env: ProxyEnv): URL | undefined {
  const raw = url.protocol === 'https:' ? pick(env, 'HTTPS_PROXY') : pick(env, 'HTTP_PROXY');
  if (raw === undefined) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || isLoopback(host)) return undefined;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (bypassed(host, port, pick(env, 'NO_PROXY') ?? '')) return undefined;
  return new URL(raw.includes('://') ? raw : `http://${raw}`);
}

function pick(env: ProxyEnv, name: string): string | undefined {
  const value = env[name] || env[name.toLowerCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function isLoopback(host: string): boolean {
  return (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}

function bypassed(host: string, port: string, noProxy: string): boolean {
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inRange(host, entry)) return true;
      continue;
    }
    const [name, entryPort] = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (name.startsWith('.') ? host.endsWith(name) : host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

function splitPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  const colon = entry.lastIndexOf(':');
  // A bare IPv6 address has colons of its own and no port.
  if (colon === -1 || isIP(entry) === 6) return [entry, undefined];
  return [entry.slice(0, colon), entry.slice(colon + 1)];
}

function inRange(host: string, cidr: string): boolean {
  const family = isIP(host);
  const [network = '', bits = ''] = cidr.split('/');
  if (family === 0 || isIP(network) !== family) return false;
  const list = new BlockList();
  try {
    list.addSubnet(network, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
