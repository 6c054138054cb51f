// Provisioning over Vault's HTTP API, deliberately independent of the code under test so that a bug
// in vault-exec's client cannot hide itself by also breaking the test setup.

export interface VaultResponse {
  status: number;
  body: any;
}

export interface VaultAdmin {
  /** Never throws on HTTP status. `token` defaults to the root token; pass '' to send no token. */
  request(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<VaultResponse>;
  enableAppRole(mount?: string): Promise<void>;
  enableKv(mount: string, version: 1 | 2): Promise<void>;
  writePolicy(name: string, hcl: string): Promise<void>;
  createRole(name: string, opts: RoleOptions): Promise<{ roleId: string }>;
  /** With `wrapTtl` Vault returns only the wrapping token, so `secretId` is the custom one or ''. */
  createSecretId(
    role: string,
    opts?: SecretIdOptions,
  ): Promise<{ secretId: string; accessor: string; wrappingToken?: string }>;
  login(roleId: string, secretId: string, mount?: string): Promise<LoginResult>;
  writeKv2(path: string, data: Record<string, unknown>, mount?: string): Promise<void>;
  writeKv1(mount: string, path: string, data: Record<string, unknown>): Promise<void>;
  deleteKv2Latest(path: string, mount?: string): Promise<void>;
  revokeAccessor(accessor: string): Promise<void>;
  lookupAccessor(accessor: string): Promise<VaultResponse>;
  seal(): Promise<void>;
  unseal(key: string): Promise<void>;
  /** `path` is the mount path as in sys/mounts/<path>/tune, so 'auth/approle' for auth mounts. */
  tuneMount(path: string, config: Record<string, unknown>): Promise<void>;
}

export interface RoleOptions {
  policies: string[];
  tokenTtl?: string;
  tokenMaxTtl?: string;
  secretIdNumUses?: number;
  secretIdTtl?: string;
  roleId?: string;
  mount?: string;
  tokenType?: string;
}

export interface SecretIdOptions {
  secretId?: string;
  mount?: string;
  numUses?: number;
  wrapTtl?: string;
}

export interface LoginResult {
  token: string;
  accessor: string;
  leaseDuration: number;
  renewable: boolean;
}

export function createVaultAdmin(addr: string, rootToken: string): VaultAdmin {
  const request: VaultAdmin['request'] = async (method, path, body, token = rootToken, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    const sent = init.headers as Record<string, string>;
    if (token !== '') sent['X-Vault-Token'] = token;
    if (body !== undefined) {
      sent['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`${addr}/v1/${path}`, init);
    const text = await response.text();
    return { status: response.status, body: parseBody(text) };
  };

  // Every provisioning step must succeed; a silent failure here would surface later as a confusing
  // assertion about vault-exec instead of about the setup.
  const must = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await request(method, path, body, rootToken, headers);
    if (response.status < 200 || response.status >= 300) throw vaultError(method, path, response);
    return response;
  };

  return {
    request,

    async enableAppRole(mount = 'approle') {
      const response = await request('POST', `sys/auth/${mount}`, { type: 'approle' });
      if (response.status >= 200 && response.status < 300) return;
      // Several tests in one file share a server; the second enable is a no-op, not a failure.
      if (errorsOf(response).some((e) => e.includes('path is already in use'))) return;
      throw vaultError('POST', `sys/auth/${mount}`, response);
    },

    async enableKv(mount, version) {
      await must('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: String(version) } });
    },

    async writePolicy(name, hcl) {
      await must('PUT', `sys/policies/acl/${name}`, { policy: hcl });
    },

    async createRole(name, opts) {
      const base = `auth/${opts.mount ?? 'approle'}/role/${name}`;
      const config: Record<string, unknown> = { token_policies: opts.policies };
      if (opts.tokenTtl !== undefined) config['token_ttl'] = opts.tokenTtl;
      if (opts.tokenMaxTtl !== undefined) config['token_max_ttl'] = opts.tokenMaxTtl;
      if (opts.secretIdNumUses !== undefined) config['secret_id_num_uses'] = opts.secretIdNumUses;
      if (opts.secretIdTtl !== undefined) config['secret_id_ttl'] = opts.secretIdTtl;
      if (opts.tokenType !== undefined) config['token_type'] = opts.tokenType;
      await must('POST', base, config);
      if (opts.roleId !== undefined) await must('POST', `${base}/role-id`, { role_id: opts.roleId });
      const read = await must('GET', `${base}/role-id`);
      return { roleId: String(read.body.data.role_id) };
    },

    async createSecretId(role, opts = {}) {
      const base = `auth/${opts.mount ?? 'approle'}/role/${role}`;
      const body: Record<string, unknown> = {};
      if (opts.secretId !== undefined) body['secret_id'] = opts.secretId;
      if (opts.numUses !== undefined) body['num_uses'] = opts.numUses;
      const path = opts.secretId !== undefined ? `${base}/custom-secret-id` : `${base}/secret-id`;
      const headers: Record<string, string> =
        opts.wrapTtl !== undefined ? { 'X-Vault-Wrap-TTL': opts.wrapTtl } : {};
      const response = await must('POST', path, body, headers);

      if (opts.wrapTtl !== undefined) {
        const wrap = response.body.wrap_info;
        return {
          secretId: opts.secretId ?? '',
          accessor: String(wrap.wrapped_accessor),
          wrappingToken: String(wrap.token),
        };
      }
      return {
        secretId: String(response.body.data.secret_id),
        accessor: String(response.body.data.secret_id_accessor),
      };
    },

    async login(roleId, secretId, mount = 'approle') {
      // Sent without a token, as vault-exec does: login is an unauthenticated path.
      const path = `auth/${mount}/login`;
      const response = await request('POST', path, { role_id: roleId, secret_id: secretId }, '');
      if (response.status !== 200) throw vaultError('POST', path, response);
      const auth = response.body.auth;
      return {
        token: String(auth.client_token),
        accessor: String(auth.accessor),
        leaseDuration: Number(auth.lease_duration),
        renewable: Boolean(auth.renewable),
      };
    },

    async writeKv2(path, data, mount = 'secret') {
      await must('POST', `${mount}/data/${path}`, { data });
    },

    async writeKv1(mount, path, data) {
      await must('POST', `${mount}/${path}`, data);
    },

    async deleteKv2Latest(path, mount = 'secret') {
      await must('DELETE', `${mount}/data/${path}`);
    },

    async revokeAccessor(accessor) {
      await must('POST', 'auth/token/revoke-accessor', { accessor });
    },

    lookupAccessor(accessor) {
      return request('POST', 'auth/token/lookup-accessor', { accessor });
    },

    async seal() {
      await must('PUT', 'sys/seal');
    },

    async unseal(key) {
      await must('PUT', 'sys/unseal', { key });
    },

    async tuneMount(path, config) {
      await must('POST', `sys/mounts/${path}/tune`, config);
    },
  };
}

/** read on each path, plus what a long-running client needs to manage its own token and leases. */
export const appPolicy = (paths: string[]): string =>
  [
    ...paths.map((path) => `path "${path}" {\n  capabilities = ["read"]\n}`),
    'path "auth/token/renew-self" {\n  capabilities = ["update"]\n}',
    'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}',
    'path "auth/token/revoke-self" {\n  capabilities = ["update"]\n}',
    // Lets vault-exec revoke a superseded lease at once instead of leaving it to its TTL.
    'path "sys/leases/revoke" {\n  capabilities = ["update"]\n}',
  ].join('\n\n') + '\n';

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    // Some failures (e.g. a proxy or a panic) are not JSON; keep the text so the error shows it.
    return text;
  }
}

function errorsOf(response: VaultResponse): string[] {
  const errors = response.body?.errors;
  return Array.isArray(errors) ? errors.map(String) : [];
}

function vaultError(method: string, path: string, response: VaultResponse): Error {
  const detail = typeof response.body === 'string' ? response.body : JSON.stringify(errorsOf(response));
  return new Error(`Vault ${method} /v1/${path} failed with ${response.status}: ${detail}`);
}
