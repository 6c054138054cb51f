// Where each request to Vault goes: straight there or through a proxy (HTTP(S)_PROXY, NO_PROXY), on
// keep-alive agents built at first use. node:https and node:tls are loaded at the first https request:
// a start that talks plain HTTP does not pay for evaluating them; node:http once a router is made.
import type http from 'node:http';
import type https from 'node:https';
import type { SecureContext } from 'node:tls';
import { readExtraCaCertificates } from './extra-ca-certificates';
import { proxyFor, type ProxyEnv } from './proxy';
import {
  createProxyTrust,
  createTunnelAgent,
  describeProxyTlsFailure,
  proxyAuthorization,
  proxyConnection,
} from './proxy-connection';
import { VaultTransportError, describeTransportFailure } from './transport-error';

/** Idle pooled connections are closed before Vault's own idle timeout (5 min) can race a reuse. */
export const KEEP_ALIVE_IDLE_MS = 30_000;

/** Where one request goes: straight to Vault, or through a proxy. */
export interface Route {
  send: typeof http.request;
  target: URL | string;
  options: http.RequestOptions;
  /** Said after a failure, so a broken proxy is not taken for a broken Vault. */
  via: string;
  /** The proxy whose TLS handshake a failure may be, when the request itself goes to an https:// proxy. */
  tlsProxy?: URL;
}

export type Router = (url: URL, headers: Record<string, string>) => Route;

/** Chooses, per URL, the keep-alive agent and the proxy (if any) a request goes through. */
export function createRouter(tls: https.AgentOptions | undefined, env: ProxyEnv): Router {
  // Loaded here, once a client is made, not at every start (--version, --help).
  const http = require('node:http') as typeof import('node:http');
  const loadHttps = (): typeof https => require('node:https') as typeof https;
  const httpAgent = new http.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS });
  let httpsAgent: https.Agent | undefined;
  let tunnelAgent: https.Agent | undefined;
  let proxyTlsAgent: https.Agent | undefined;
  // Built at the first proxied request only: it parses Node's whole CA list.
  let proxyTrust: SecureContext | undefined;
  const trustForProxy = (): SecureContext =>
    (proxyTrust ??= createProxyTrust(
      tls?.ca === undefined ? undefined : [tls.ca].flat().map(String),
      readExtraCaCertificates(env),
    ));

  return (url, headers) => {
    const proxy = proxyFor(url, env);
    if (url.protocol === 'https:') {
      const agent = proxy
        ? (tunnelAgent ??= createHttpsAgent(withExtraCa(tls, env), (agentOptions) =>
            createTunnelAgent(proxy, agentOptions, trustForProxy()),
          ))
        : (httpsAgent ??= createHttpsAgent(withExtraCa(tls, env)));
      return {
        send: loadHttps().request,
        target: url,
        options: { agent, headers },
        via: proxy ? ` (through the proxy ${proxy.origin})` : '',
      };
    }
    if (proxy === undefined)
      return { send: http.request, target: url, options: { agent: httpAgent, headers }, via: '' };
    // Plain HTTP through a proxy: the request line names the whole URL. To an https:// proxy it
    // travels in TLS, whose handshake is with the proxy.
    const secure = proxy.protocol === 'https:';
    const { host, ...connection } = proxyConnection(proxy, trustForProxy());
    return {
      send: secure ? loadHttps().request : http.request,
      target: url.href,
      options: {
        agent: secure
          ? (proxyTlsAgent ??= new (loadHttps().Agent)({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS }))
          : httpAgent,
        ...connection,
        // hostname, not host: it is what Node reads first, and the URL above has one of its own; so
        // is its protocol, which the proxy's replaces.
        hostname: host,
        protocol: proxy.protocol,
        path: url.href,
        headers: { ...headers, Host: url.host, ...proxyAuthorization(proxy) },
      },
      via: ` (through the proxy ${proxy.origin})`,
      ...(secure ? { tlsProxy: proxy } : {}),
    };
  };
}

/**
 * Certificates and key go in as one secure context, not as agent options: Node names a pooled
 * connection after its options, and NODE_DEBUG=http would print that name, private key included.
 * Built at the first request, so a key that does not match its certificate fails like any other
 * TLS problem (exit 69, with its own message) instead of before vault-exec has started.
 */
function createHttpsAgent(
  tls: https.AgentOptions = {},
  create: (options: https.AgentOptions) => https.Agent = (options) =>
    new (require('node:https') as typeof https).Agent(options),
): https.Agent {
  const { ca, cert, key, ...rest } = tls;
  try {
    const { createSecureContext } = require('node:tls') as typeof import('node:tls');
    const secureContext = createSecureContext({ ca, cert, key });
    return create({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, ...rest, secureContext });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new VaultTransportError(describeTransportFailure(code, '', 0), code, { cause: error });
  }
}

/**
 * NODE_EXTRA_CA_CERTS as Node would apply it: beside Node's own CAs, and only where no VAULT_CACERT or
 * VAULT_CAPATH replaces those. Read here, at the first https request, because vault-exec's launcher
 * keeps the variable from Node's own start (which would parse the file before any of our code runs,
 * whether Vault is https or not).
 */
function withExtraCa(tls: https.AgentOptions | undefined, env: ProxyEnv): https.AgentOptions | undefined {
  if (tls?.ca !== undefined) return tls;
  const extra = readExtraCaCertificates(env);
  if (extra === undefined) return tls;
  const { rootCertificates } = require('node:tls') as typeof import('node:tls');
  return { ...tls, ca: [...rootCertificates, ...extra] };
}
