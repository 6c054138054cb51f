// VAULT_ADDR's user:password (https://user:pw@vault:8200), taken as the Vault CLI (Go's net/http)
// and curl take it: sent as Basic auth, for a proxy in front of Vault that asks for it. It never
// travels in a URL and is never shown: every line names the address without it.

export interface VaultAddress {
  /** The address without user:password, for requests and for every line that names Vault. */
  shown: string;
  /** The Authorization header the user:password stands for, when there is one. */
  authorization?: string;
  /** What the redactor must know: the password as written and decoded, and the header value. */
  secrets: string[];
}

export function splitVaultAddress(address: string): VaultAddress {
  const url = new URL(address);
  if (url.username === '' && url.password === '') return { shown: address, secrets: [] };
  const written = url.password;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(written);
  const encoded = Buffer.from(`${user}:${password}`).toString('base64');
  url.username = '';
  url.password = '';
  return {
    shown: url.href.replace(/\/+$/, ''),
    authorization: `Basic ${encoded}`,
    secrets: [written, password, encoded].filter((value) => value !== ''),
  };
}
