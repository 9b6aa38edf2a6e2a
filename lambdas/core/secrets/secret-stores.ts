import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UsageError } from '../errors.ts';
import type { JobRequest } from '../job.ts';
import { SecretsManagerRoleSecretStore, DEFAULT_SECRET_NAME_PREFIX } from './secrets-manager-store.ts';
import type { RoleSecretStore, SecretsProvider, SecretStoreChoice } from './types.ts';
import type { VaultClient } from './vault-client.ts';
import { VaultRoleSecretStore } from './vault-store.ts';

export interface SecretStoresConfig {
  /** dbroles' own table: always there, the default. */
  readonly database: RoleSecretStore;
  /** Set when VAULT_ADDR and its credentials are configured. */
  readonly vault?: VaultClient;
  /** Set when Secrets Manager may be used; `allowedPrefix` is what the deployment's IAM allows. */
  readonly secretsManager?: { readonly client: SecretsManagerClient; readonly allowedPrefix: string };
}

/** Which store a job request asks for. */
export function secretStoreChoice(request: Pick<JobRequest, 'vault_provider' | 'aws_secrets_manager'>, defaultPrefix = DEFAULT_SECRET_NAME_PREFIX): SecretStoreChoice {
  if (request.vault_provider) return { provider: 'vault', secret_id: request.vault_provider.secret_id };
  if (request.aws_secrets_manager) {
    return { provider: 'aws-secrets-manager', name_prefix: request.aws_secrets_manager.name_prefix ?? defaultPrefix, kms_key_id: request.aws_secrets_manager.kms_key_id };
  }
  return { provider: 'database' };
}

/** The credential stores this deployment has, by provider. */
export class SecretStores {
  constructor(private readonly config: SecretStoresConfig) {}

  /** The IAM-allowed prefix, which is also the default `name_prefix`. */
  get secretsManagerPrefix(): string {
    return this.config.secretsManager?.allowedPrefix ?? DEFAULT_SECRET_NAME_PREFIX;
  }

  /**
   * Refuses, before any job starts, a request whose store is not configured here or whose names
   * the deployment may not write. Throws UsageError naming the field.
   */
  check(request: Pick<JobRequest, 'vault_provider' | 'aws_secrets_manager'>): void {
    if (request.vault_provider && !this.config.vault) {
      throw new UsageError('vault_provider: Vault is not configured here: set VAULT_ADDR with VAULT_TOKEN, or VAULT_APP_ROLE_ID and VAULT_APP_ROLE_SECRET_ID');
    }
    if (request.aws_secrets_manager) {
      const sm = this.config.secretsManager;
      if (!sm) {
        throw new UsageError('aws_secrets_manager: AWS Secrets Manager is not configured here: set AWS_REGION (and credentials), or SECRETS_MANAGER_ENABLED=true');
      }
      const prefix = request.aws_secrets_manager.name_prefix;
      if (prefix !== undefined && !prefix.startsWith(sm.allowedPrefix)) {
        throw new UsageError(`aws_secrets_manager.name_prefix: must start with "${sm.allowedPrefix}", the prefix this deployment may write secrets under`);
      }
    }
  }

  /** The store a job's choice names. Throws UsageError when it is not configured. */
  open(choice: SecretStoreChoice): RoleSecretStore {
    if (choice.provider === 'database') return this.config.database;
    if (choice.provider === 'vault') {
      if (!this.config.vault) throw new UsageError('vault_provider: Vault is not configured here');
      return new VaultRoleSecretStore(this.config.vault, choice.secret_id);
    }
    if (!this.config.secretsManager) throw new UsageError('aws_secrets_manager: AWS Secrets Manager is not configured here');
    return new SecretsManagerRoleSecretStore(this.config.secretsManager.client, { namePrefix: choice.name_prefix, kmsKeyId: choice.kms_key_id });
  }

  /** A store that can read any `secret_id` of the provider (the credentials route). */
  reader(provider: SecretsProvider): RoleSecretStore {
    if (provider === 'vault') return this.open({ provider, secret_id: '' });
    if (provider === 'aws-secrets-manager') return this.open({ provider, name_prefix: this.secretsManagerPrefix });
    return this.config.database;
  }
}
