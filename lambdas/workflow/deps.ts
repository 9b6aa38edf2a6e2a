import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfiguredAwsAccess } from '../core/aws/configured-access.ts';
import { DynamoAwsSettingsStore } from '../core/store/aws-settings-store.ts';
import { PROVISIONERS } from '../core/engines/index.ts';
import { generatePassword } from '../core/password.ts';
import { KmsEnvelopeCipher, LocalKeyCipher } from '../core/secrets/cipher.ts';
import type { WorkflowDeps } from '../core/steps/deps.ts';
import { DynamoConnectionStore } from '../core/store/connection-store.ts';
import { DynamoCredentialStore } from '../core/store/credential-store.ts';
import { createDocumentClient } from '../core/store/dynamo.ts';
import { DynamoJobStore } from '../core/store/job-store.ts';
import { DynamoLockStore } from '../core/store/lock-store.ts';
import { SvixWebhookSender } from '../core/webhook.ts';
import { WorkflowEnvSchema, type WorkflowEnv } from './env.ts';

/** Builds the workflow's dependencies from its environment. */
export function buildWorkflowDeps(env: WorkflowEnv): WorkflowDeps {
  // A local endpoint (dynalite) gets its own dummy credentials, so AWS credentials in the environment stay for AWS.
  const doc = createDocumentClient(
    env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
  );
  const table = env.DBROLES_TABLE;
  const cipher = env.CREDENTIALS_KMS_KEY_ID
    ? new KmsEnvelopeCipher(new KMSClient({}), env.CREDENTIALS_KMS_KEY_ID)
    : new LocalKeyCipher(Buffer.from(env.DBROLES_LOCAL_KEY ?? '', 'base64'));
  const awsSettings = new DynamoAwsSettingsStore(doc, table, cipher);
  return {
    jobs: new DynamoJobStore(doc, table),
    credentials: new DynamoCredentialStore(doc, table, cipher),
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
      secretsManager: env.SVIX_API_KEY_SECRET_ARN ? new SecretsManagerClient({}) : undefined,
      serverUrl: env.SVIX_SERVER_URL,
    }),
    clock: () => new Date(),
    generatePassword,
    config: {
      orgId: env.DBROLES_ORG_ID,
      gatewayHost: env.DBROLES_GATEWAY_HOST,
      lockLeaseSeconds: env.LOCK_LEASE_SECONDS,
      masterCheckMaxAttempts: env.MASTER_CHECK_MAX_ATTEMPTS,
      dbTls: env.DB_TLS,
      connectTimeoutSeconds: env.DB_CONNECT_TIMEOUT_SECONDS,
      discoveryRegions: env.DISCOVERY_REGIONS?.split(',').map((r) => r.trim()).filter(Boolean),
    },
  };
}

let cached: WorkflowDeps | undefined;

/** The dependencies of this Lambda, built at the first invocation (cold start) from process.env. */
export function workflowDeps(): WorkflowDeps {
  cached ??= buildWorkflowDeps(WorkflowEnvSchema.parse(process.env));
  return cached;
}
