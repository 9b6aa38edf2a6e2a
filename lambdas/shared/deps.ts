import { KMSClient } from '@aws-sdk/client-kms';
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ConfiguredAwsAccess } from '../core/aws/configured-access.ts';
import { DynamoAwsSettingsStore } from '../core/store/aws-settings-store.ts';
import { generatePassword } from '../core/password.ts';
import { KmsEnvelopeCipher, LocalKeyCipher } from '../core/secrets/cipher.ts';
import { DatabaseRoleSecretStore } from '../core/secrets/database-store.ts';
import { SecretStores } from '../core/secrets/secret-stores.ts';
import { parseVaultTimeout, VaultClient, type VaultAuth } from '../core/secrets/vault-client.ts';
import type { BaseDeps } from '../core/steps/deps.ts';
import type { AwsClientFactories } from '../core/aws/access.ts';
import { DynamoConnectionStore } from '../core/store/connection-store.ts';
import { DynamoCredentialStore } from '../core/store/credential-store.ts';
import { createDocumentClient, localDynamoConfig } from '../core/store/dynamo.ts';
import { DynamoJobStore } from '../core/store/job-store.ts';
import { DynamoLockStore } from '../core/store/lock-store.ts';
import type { WorkflowEnv } from './env.ts';

const VaultCredentialsSchema = z.union([
  z.object({ VAULT_TOKEN: z.string().min(1) }),
  z.object({ VAULT_APP_ROLE_ID: z.string().min(1), VAULT_APP_ROLE_SECRET_ID: z.string().min(1) }),
]);

/** Vault when VAULT_ADDR and a way to log in are configured; undefined otherwise (a vault_provider job is then refused). */
export function vaultClientFrom(env: WorkflowEnv, secretsManager: SecretsManagerClient): VaultClient | undefined {
  if (!env.VAULT_ADDR) return undefined;
  let auth: () => Promise<VaultAuth>;
  if (env.VAULT_TOKEN) {
    const token = env.VAULT_TOKEN;
    auth = async () => ({ token });
  } else if (env.VAULT_APP_ROLE_ID && env.VAULT_APP_ROLE_SECRET_ID) {
    const login = { roleId: env.VAULT_APP_ROLE_ID, secretId: env.VAULT_APP_ROLE_SECRET_ID };
    auth = async () => login;
  } else if (env.VAULT_CREDENTIALS_SECRET_ARN) {
    const arn = env.VAULT_CREDENTIALS_SECRET_ARN;
    let loaded: Promise<VaultAuth> | undefined;
    auth = () =>
      (loaded ??= secretsManager.send(new GetSecretValueCommand({ SecretId: arn })).then((out) => {
        const parsed = VaultCredentialsSchema.parse(JSON.parse(out.SecretString ?? '{}'));
        return 'VAULT_TOKEN' in parsed ? { token: parsed.VAULT_TOKEN } : { roleId: parsed.VAULT_APP_ROLE_ID, secretId: parsed.VAULT_APP_ROLE_SECRET_ID };
      }));
  } else {
    return undefined;
  }
  return new VaultClient({
    address: env.VAULT_ADDR,
    auth,
    caCert: env.VAULT_CACERT ? readFileSync(env.VAULT_CACERT, 'utf8') : undefined,
    timeoutMs: parseVaultTimeout(env.VAULT_HTTP_REQ_TIMEOUT),
  });
}

/**
 * What every function builds at cold start: the stores, AWS access with the clients its task calls,
 * the settings. No database driver, svix, git or Lambda client: those are the extras below.
 */
/** The one table and the cipher of its password envelopes. */
function tableAccess(env: WorkflowEnv) {
  // A local endpoint (dynalite) gets its own dummy credentials, so AWS credentials in the environment stay for AWS.
  const doc = createDocumentClient(env.DYNAMODB_ENDPOINT ? localDynamoConfig(env.DYNAMODB_ENDPOINT, env.DYNAMODB_SOCKET) : {});
  const cipher = env.CREDENTIALS_KMS_KEY_ID
    ? new KmsEnvelopeCipher(new KMSClient({}), env.CREDENTIALS_KMS_KEY_ID)
    : new LocalKeyCipher(Buffer.from(env.DBROLES_LOCAL_KEY ?? '', 'base64'));
  return { doc, table: env.DBROLES_TABLE, cipher };
}

/**
 * The stores of the users' credentials (dbroles' own, Vault, Secrets Manager): built only by the
 * functions that write or read them (ProvisionRole, RunHook, the API), so the others bundle no
 * Secrets Manager client and no Vault client.
 */
export function secretStoresFrom(env: WorkflowEnv): SecretStores {
  const { doc, table, cipher } = tableAccess(env);
  const secretsManager = new SecretsManagerClient({});
  return new SecretStores({
    database: new DatabaseRoleSecretStore(doc, table, cipher),
    vault: vaultClientFrom(env, secretsManager),
    secretsManager: env.SECRETS_MANAGER_ENABLED === 'true' ? { client: secretsManager, allowedPrefix: env.SECRETS_MANAGER_NAME_PREFIX } : undefined,
  });
}

export function buildBaseDeps(env: WorkflowEnv, clients: AwsClientFactories): BaseDeps {
  const { doc, table, cipher } = tableAccess(env);
  const awsSettings = new DynamoAwsSettingsStore(doc, table, cipher);
  return {
    jobs: new DynamoJobStore(doc, table),
    credentials: new DynamoCredentialStore(doc, table, cipher),
    locks: new DynamoLockStore(doc, table),
    connections: new DynamoConnectionStore(doc, table),
    aws: new ConfiguredAwsAccess(awsSettings, {
      clients,
      crossAccountRoleName: env.CROSS_ACCOUNT_ROLE_NAME,
      externalId: env.CROSS_ACCOUNT_EXTERNAL_ID,
      instanceRoleAllowed: env.INTEGRATION_AWS_INSTANCE_ROLE_ALLOW === 'true',
    }),
    awsSettings,
    clock: () => new Date(),
    generatePassword,
    config: {
      orgId: env.DBROLES_ORG_ID,
      gatewayHost: env.DBROLES_GATEWAY_HOST,
      lockLeaseSeconds: env.LOCK_LEASE_SECONDS,
      masterReset: env.DBROLES_MASTER_RESET,
      masterCheckMaxAttempts: env.MASTER_CHECK_MAX_ATTEMPTS,
      dbTls: env.DB_TLS,
      directDbTls: env.DIRECT_DB_TLS,
      connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
      discoveryRegions: env.DISCOVERY_REGIONS?.split(',').map((r) => r.trim()).filter(Boolean),
      hookTimeoutSeconds: env.DBROLES_HOOK_TIMEOUT_SECONDS,
      organizationId: env.DBROLES_ORGANIZATION_ID,
      allowLinkLocal: env.DBROLES_ALLOW_LINK_LOCAL === 'true',
    },
  };
}
