// The connection to a proxy: a CONNECT tunnel for https Vault addresses, and the proxy's own
// connection, which is TLS for an https:// proxy (as curl and the Vault CLI speak to one), so the
// request line, the Vault host name and Proxy-Authorization never cross the network in plaintext.
import type http from 'node:http';
import type https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { ConnectionOptions, SecureContext } from 'node:tls';
import { isUntrustedCertificate } from './transport-error';

export const PROXY_TUNNEL_REFUSED = 'ERR_PROXY_TUNNEL';

/** A failure at the proxy, with a reason naming it; the code stays Node's, so a certificate problem is one. */
export class ProxyFailure extends Error {
  constructor(
    readonly reason: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'ProxyFailure';
  }
}

// node:https and node:tls are loaded only once something here is used: at a proxied request.
const loadHttps = (): typeof https => require('node:https') as typeof https;
const loadTls = (): typeof import('node:tls') => require('node:tls') as typeof import('node:tls');

/**
 * What an https:// proxy's certificate is checked against: Node's default CAs, plus VAULT_CACERT and
 * VAULT_CAPATH when set (a company's proxy and its Vault often share a CA). The rest of Vault's TLS
 * settings stay Vault's: the proxy never gets the client certificate, and VAULT_SKIP_VERIFY and
 * VAULT_TLS_SERVER_NAME do not apply to it. NODE_EXTRA_CA_CERTS (`extraCa`, its file's certificates) counts
 * where Node would count it: among the default CAs, not beside VAULT_CACERT.
 */
export function createProxyTrust(vaultCa: string[] | undefined, extraCa?: string[]): SecureContext {
  const { createSecureContext, rootCertificates } = loadTls();
  if (vaultCa !== undefined) return createSecureContext({ ca: [...rootCertificates, ...vaultCa] });
  return createSecureContext(extraCa === undefined ? {} : { ca: [...rootCertificates, ...extraCa] });
}

/** Where to connect for `proxy`, and in TLS when it is an https:// proxy. */
export function proxyConnection(proxy: URL, trust: SecureContext): http.RequestOptions & ConnectionOptions {
  const secure = proxy.protocol === 'https:';
  // Without the brackets an IPv6 literal has in a URL.
  const host = proxy.hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    port: Number(proxy.port) || (secure ? 443 : 80),
    // Named, or Node checks the certificate against the Host header, which names Vault. An IP
    // address is no server name (RFC 6066): '' makes Node check the certificate against `host`.
    ...(secure ? { secureContext: trust, servername: isIP(host) === 0 ? host : '' } : {}),
  };
}

/** Basic credentials from the proxy URL (http://user:pass@proxy:3128), when there are any. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** A failed TLS handshake with an https:// proxy, said as such: it is not Vault's certificate. */
export function describeProxyTlsFailure(code: string | undefined, proxy: URL): string | undefined {
  if (proxy.protocol !== 'https:' || code === undefined) return undefined;
  const failed = `TLS to the proxy ${proxy.origin} failed`;
  if (isUntrustedCertificate(code))
    return `${failed}: its certificate is not signed by a trusted CA (${code}); add the proxy's CA to VAULT_CACERT`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${failed}: its certificate does not match the host name ${proxy.hostname}; name the proxy as its certificate does`;
  if (code === 'CERT_HAS_EXPIRED') return `${failed}: its certificate has expired`;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_'))
    return `${failed} (${code}); if it is a plain proxy, write http:// in the proxy variable`;
  return undefined;
}

/** An https agent whose connections are TLS inside a CONNECT tunnel through `proxy`. */
export function createTunnelAgent(
  proxy: URL,
  options: https.AgentOptions,
  trust: SecureContext,
): https.Agent {
  const agent = new (loadHttps().Agent)(options);
  type Callback = (error: Error | null, socket?: Socket) => void;
  (agent as unknown as { createConnection: unknown }).createConnection = (
    target: ConnectionOptions & { host: string; port: number },
    callback: Callback,
  ): undefined => {
    const authority = `${target.host}:${target.port}`;
    const request =
      proxy.protocol === 'https:' ? loadHttps().request : (require('node:http') as typeof http).request;
    const tunnel = request({
      ...proxyConnection(proxy, trust),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...proxyAuthorization(proxy) },
      agent: false,
    });
    tunnel.once('connect', (answer, socket) => {
      if (answer.statusCode !== 200) {
        socket.destroy();
        const reason = `the proxy ${proxy.origin} refused a tunnel to ${authority} (HTTP ${answer.statusCode})`;
        return callback(new ProxyFailure(reason, PROXY_TUNNEL_REFUSED));
      }
      callback(null, loadTls().connect({ ...target, socket }));
    });
    tunnel.once('error', (error: NodeJS.ErrnoException) => {
      const reason = describeProxyTlsFailure(error.code, proxy);
      callback(reason === undefined ? error : new ProxyFailure(reason, error.code, { cause: error }));
    });
    tunnel.end();
    return undefined;
  };
  return agent;
}
