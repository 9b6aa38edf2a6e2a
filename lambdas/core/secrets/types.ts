import type { EngineName, RoleTier } from '../engines/types.ts';

/** The seed's `secrets_manager_provider` values. */
export const SECRETS_PROVIDERS = ['database', 'vault', 'aws-secrets-manager'] as const;
export type SecretsProvider = (typeof SECRETS_PROVIDERS)[number];

/** The seed's `credentials_info`: where a role's credentials are, never the credentials. */
export interface CredentialsInfo {
  /** `iam`: IAM database authentication: no secret anywhere, `secret_id` is the user's rds-db resource ARN. */
  readonly secrets_manager_provider: SecretsProvider | 'iam';
  readonly secret_id: string;
  readonly secret_keys: string[];
}

/** Which store a job keeps its users' credentials in, as its request chose. Holds no secret. */
export type SecretStoreChoice =
  | { readonly provider: 'database' }
  | { readonly provider: 'vault'; readonly secret_id: string }
  | { readonly provider: 'aws-secrets-manager'; readonly name_prefix: string; readonly kms_key_id?: string };

/** One provisioned user's credentials. `password` is a secret. */
export interface RoleSecret {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** A database the user can connect to. */
  readonly database: string;
}

/** Which user of which server a secret is for, and what names it. Holds no secret. */
export interface RoleSecretScope {
  /** Where the server's credentials are keyed: the cluster ARN, the instance ARN or `target:...`. */
  readonly resourceKey: string;
  /** The job's `db_arn` (the `dbroles:db-arn` tag on a Secrets Manager secret). */
  readonly dbArn: string;
  readonly engine: EngineName;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly tier: RoleTier;
  /** The job's `connection_prefix_name`: Secrets Manager names the secret after it. */
  readonly connectionPrefix: string;
  /** RDS identifiers, for the JSON AWS's rotation functions read; null for a database given directly. */
  readonly instanceId: string | null;
  readonly clusterId: string | null;
}

/**
 * One place role credentials are kept, with AWS Secrets Manager's rotation discipline: a new
 * password is written as `pending` before the database gets it, and becomes `current` only after it
 * logged in. `current` therefore only ever holds a password that worked. Every method is safe to
 * repeat. Failures are thrown as SecretStoreError with a message that holds no secret.
 */
export interface RoleSecretStore {
  readonly provider: SecretsProvider;
  /** The credentials that last logged in, or undefined when none are stored. */
  readCurrent(scope: RoleSecretScope): Promise<RoleSecret | undefined>;
  /** Credentials written ahead and not promoted yet (a run that stopped half way). */
  readPending(scope: RoleSecretScope): Promise<RoleSecret | undefined>;
  /** Writes `secret` as pending; `current` is left as it is. */
  writePending(scope: RoleSecretScope, secret: RoleSecret): Promise<void>;
  /** Makes the pending secret, which must hold `secret.password`, current. Idempotent once promoted. */
  promote(scope: RoleSecretScope, secret: RoleSecret): Promise<CredentialsInfo>;
  /** Forgets the pending secret, if any; `current` is left as it is. */
  discardPending(scope: RoleSecretScope): Promise<void>;
  /** Where the current credentials are (after a promote, or when they were kept). */
  info(scope: RoleSecretScope): Promise<CredentialsInfo>;
  /** The current credentials a `secret_id` of this provider names (the credentials route). */
  read(secretId: string): Promise<RoleSecret>;
}
