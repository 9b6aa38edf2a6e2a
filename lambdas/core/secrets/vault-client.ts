import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SecretStoreError } from '../errors.ts';

/** How dbroles logs in to Vault: a token, or AppRole (`/v1/auth/approle/login`). Both are secrets. */
export type VaultAuth = { readonly token: string } | { readonly roleId: string; readonly secretId: string };

export interface VaultClientOptions {
  /** VAULT_ADDR, e.g. https://vault.example.com:8200 */
  readonly address: string;
  /** Resolved at first use: from the environment locally, from a Secrets Manager secret when deployed. */
  readonly auth: () => Promise<VaultAuth>;
  /** PEM of the CA that signed Vault's certificate (VAULT_CACERT). @default the system's CAs */
  readonly caCert?: string;
  /** Per request (VAULT_HTTP_REQ_TIMEOUT). @default 5000 */
  readonly timeoutMs?: number;
}

/** A Vault answer: the HTTP status and the parsed JSON body (null when empty or not JSON). */
export interface VaultResponse {
  readonly status: number;
  readonly body: Record<string, unknown> | null;
}

/** Vault's own words from an error body (`{"errors": [...]}`), without any request data. */
export function vaultErrors(response: VaultResponse): string {
  const errors = response.body?.errors;
  const words = Array.isArray(errors) ? errors.filter((e) => typeof e === 'string').join('; ') : '';
  return `HTTP ${response.status}${words ? `: ${words}` : ''}`;
}

/**
 * `VAULT_HTTP_REQ_TIMEOUT` as the product we replace reads it: a Go duration ("10s", "1500ms",
 * "1m") or seconds; values of 1 s or less are ignored, as there.
 */
export function parseVaultTimeout(value: string | undefined): number {
  const fallback = 5000;
  if (!value) return fallback;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) return fallback;
  const n = Number(match[1]);
  const ms = match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1000;
  return ms > 1000 ? ms : fallback;
}

/**
 * Vault's HTTP API over node:http(s), no client library: dbroles needs four calls (KV v2 read,
 * write and delete, AppRole login), and node's own https takes VAULT_CACERT and a timeout directly.
 * The token is kept in memory only; an AppRole token is fetched again once when Vault refuses it.
 */
export class VaultClient {
  private token: string | undefined;

  constructor(private readonly options: VaultClientOptions) {}

  private send(method: string, path: string, token: string | undefined, body?: unknown): Promise<VaultResponse> {
    const url = new URL(`/v1/${path.replace(/^\/+/, '')}`, this.options.address);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeoutMs = this.options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ca: this.options.caCert,
          timeout: timeoutMs,
          headers: {
            'X-Vault-Request': 'true',
            ...(token ? { 'X-Vault-Token': token } : {}),
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> | null;
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
            } catch {
              parsed = null;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new SecretStoreError(`no answer from Vault at ${url.origin} within ${timeoutMs} ms`)));
      req.on('error', (error) =>
        reject(error instanceof SecretStoreError ? error : new SecretStoreError(`cannot reach Vault at ${url.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)),
      );
      req.end(payload);
    });
  }

  private async login(): Promise<string> {
    const auth = await this.options.auth();
    if ('token' in auth) return auth.token;
    const response = await this.send('POST', 'auth/approle/login', undefined, { role_id: auth.roleId, secret_id: auth.secretId });
    const token = (response.body?.auth as { client_token?: unknown } | undefined)?.client_token;
    if (response.status !== 200 || typeof token !== 'string') throw new SecretStoreError(`AppRole login refused: ${vaultErrors(response)}`);
    return token;
  }

  /** Sends one request with the token, logging in first (and once more when an AppRole token expired). */
  async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<VaultResponse> {
    this.token ??= await this.login();
    const response = await this.send(method, path, this.token, body);
    if (response.status !== 403) return response;
    const auth = await this.options.auth();
    if ('token' in auth) return response;
    this.token = await this.login();
    return this.send(method, path, this.token, body);
  }
}
