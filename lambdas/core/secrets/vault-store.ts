import { NotFoundError, SecretStoreError } from '../errors.ts';
import type { CredentialsInfo, RoleSecret, RoleSecretScope, RoleSecretStore } from './types.ts';
import { vaultErrors, type VaultClient, type VaultResponse } from './vault-client.ts';

/** The keys of a dbroles secret in Vault, as the product we replace writes them. */
export const VAULT_SECRET_KEYS = ['HOST', 'PORT', 'USER', 'PASSWORD', 'DB'] as const;

/** Suffix of the entry that holds a password between its write-ahead and its first login. */
export const VAULT_PENDING_SUFFIX = '.dbroles-pending';

/**
 * The seed's path: `<secret_id><user>_<host>`, a plain concatenation; a `secret_id` without `/`
 * goes under `secret/data/` (the default KV v2 mount).
 */
export function vaultSecretPath(secretId: string, user: string, host: string): string {
  const path = `${secretId}${user}_${host}`;
  return path.includes('/') ? path : `secret/data/${path}`;
}

/** Prefix for the save errors, word for word the product we replace's. */
export const VAULT_SAVE_ERROR = 'Unable to create or update secret in Vault, reason=';

/**
 * HashiCorp Vault KV v2 (provider `vault`): the seed's entry holds only credentials that logged in;
 * a new password waits in a separate entry (`<path>.dbroles-pending`) until it does, and that
 * entry is then deleted (its latest version, so a read of it finds nothing).
 */
export class VaultRoleSecretStore implements RoleSecretStore {
  readonly provider = 'vault' as const;

  constructor(
    private readonly client: VaultClient,
    private readonly secretId: string,
  ) {}

  private path(scope: RoleSecretScope): string {
    return vaultSecretPath(this.secretId, scope.user, scope.host);
  }

  private async get(path: string): Promise<RoleSecret | undefined> {
    let response: VaultResponse;
    try {
      response = await this.client.call('GET', path);
    } catch (error) {
      throw new SecretStoreError(`read "${path}" from Vault: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new SecretStoreError(`read "${path}" from Vault: ${vaultErrors(response)}`);
    const data = ((response.body?.data as Record<string, unknown> | undefined)?.data ?? null) as Record<string, unknown> | null;
    if (!data || typeof data.PASSWORD !== 'string') return undefined;
    return { host: String(data.HOST ?? ''), port: Number(data.PORT ?? 0), user: String(data.USER ?? ''), password: data.PASSWORD, database: String(data.DB ?? '') };
  }

  private async put(path: string, secret: RoleSecret): Promise<void> {
    const data = { HOST: secret.host, PORT: String(secret.port), USER: secret.user, PASSWORD: secret.password, DB: secret.database };
    let response: VaultResponse;
    try {
      response = await this.client.call('POST', path, { data });
    } catch (error) {
      throw new SecretStoreError(`${VAULT_SAVE_ERROR}${(error as Error).message}`, { cause: error });
    }
    if (response.status !== 200 && response.status !== 204) throw new SecretStoreError(`${VAULT_SAVE_ERROR}${vaultErrors(response)}`);
  }

  readCurrent(scope: RoleSecretScope): Promise<RoleSecret | undefined> {
    return this.get(this.path(scope));
  }

  readPending(scope: RoleSecretScope): Promise<RoleSecret | undefined> {
    return this.get(`${this.path(scope)}${VAULT_PENDING_SUFFIX}`);
  }

  writePending(scope: RoleSecretScope, secret: RoleSecret): Promise<void> {
    return this.put(`${this.path(scope)}${VAULT_PENDING_SUFFIX}`, secret);
  }

  async promote(scope: RoleSecretScope, secret: RoleSecret): Promise<CredentialsInfo> {
    await this.put(this.path(scope), secret);
    await this.discardPending(scope);
    return this.info(scope);
  }

  async discardPending(scope: RoleSecretScope): Promise<void> {
    const path = `${this.path(scope)}${VAULT_PENDING_SUFFIX}`;
    const response = await this.client.call('DELETE', path).catch((error: unknown) => {
      throw new SecretStoreError(`delete "${path}" from Vault: ${(error as Error).message}`, { cause: error });
    });
    if (![200, 204, 404].includes(response.status)) throw new SecretStoreError(`delete "${path}" from Vault: ${vaultErrors(response)}`);
  }

  async info(scope: RoleSecretScope): Promise<CredentialsInfo> {
    return { secrets_manager_provider: 'vault', secret_id: this.path(scope), secret_keys: [...VAULT_SECRET_KEYS] };
  }

  async read(secretId: string): Promise<RoleSecret> {
    const secret = await this.get(secretId);
    if (!secret) throw new NotFoundError(`Vault holds no credentials at "${secretId}"`);
    return secret;
  }
}
