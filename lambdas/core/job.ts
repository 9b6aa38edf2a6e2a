import * as z from 'zod';
import { ENGINE_FAMILIES, ROLE_TIERS, type EngineName } from './engines/types.ts';
import {
  CONNECTION_PREFIX,
  CONNECTION_PREFIX_MESSAGE,
  HOST,
  HOST_MESSAGE,
  IPV4_CIDR,
  IPV4_CIDR_MESSAGE,
  RDS_INSTANCE_ARN,
  SECRET_NAME_PREFIX,
  SECRET_NAME_PREFIX_MESSAGE,
  TARGET_NAME,
  TARGET_NAME_MESSAGE,
  VAULT_SECRET_ID,
} from './patterns.ts';
import { SECRETS_PROVIDERS } from './secrets/types.ts';

export const JOB_STEPS = ['create-connections', 'send-webhook', 'verify'] as const;
export const JobStepSchema = z.enum(JOB_STEPS);

export { IPV4_CIDR, RDS_INSTANCE_ARN } from './patterns.ts';

export const AwsTargetSchema = z.object({
  /**
   * `if-needed` (the seed's behaviour): when no master password dbroles holds logs in, reset it
   * through RDS. `never`: fail instead, saying how to give dbroles access. @default the deployment's
   * setting (-c masterReset), else if-needed
   */
  master_reset: z.enum(['never', 'if-needed']).optional(),
  instance_arn: z.string().regex(RDS_INSTANCE_ARN, 'must be an RDS instance ARN: arn:aws:rds:<region>:<account>:db:<identifier>'),
  default_security_group: z
    .object({
      ingress_cidr: z.string().regex(IPV4_CIDR, IPV4_CIDR_MESSAGE),
      /** Opening the database to the whole Internet (0.0.0.0/0) must be asked for explicitly. */
      allow_public_ingress: z.boolean().default(false),
    })
    .refine((g) => !g.ingress_cidr.endsWith('/0') || g.allow_public_ingress, {
      path: ['ingress_cidr'],
      message: 'opens the database to the whole Internet; set "allow_public_ingress": true to mean it',
    })
    .optional(),
});

/** The RDS target as the API receives it: with, optionally, the master password, given once and stored encrypted at once. */
export const AwsTargetInputSchema = AwsTargetSchema.extend({ master_password: z.string().min(1).max(1024).optional() });

/** A database given directly (no AWS): how to reach it, without its password. */
export const DirectTargetSchema = z.object({
  engine: z.enum(Object.keys(ENGINE_FAMILIES) as [EngineName, ...EngineName[]]),
  host: z.string().regex(HOST, HOST_MESSAGE),
  port: z.number().int().min(1).max(65535),
  master_user: z.string().min(1).max(128),
  database: z.string().min(1).max(128).optional(),
  /** A name for the database: its jobs' `db_arn` is `target:<name>`. */
  name: z.string().regex(TARGET_NAME, TARGET_NAME_MESSAGE),
  /** Only these databases. @default every application database */
  databases: z.array(z.string().min(1).max(128)).min(1).max(1000).optional(),
  /** Reset the master password through the database itself, as a reset in RDS would. */
  reset_master_password: z.boolean().default(false),
});

/** The same target as the API receives it: with the master password, which is stored encrypted at once. */
export const DirectTargetInputSchema = DirectTargetSchema.extend({ master_password: z.string().min(1).max(1024) });

const jobRequestFields = {
  agent_id: z.string().min(1).max(128).optional(),
  connection_prefix_name: z.string().regex(CONNECTION_PREFIX, CONNECTION_PREFIX_MESSAGE),
  job_steps: z.array(JobStepSchema).max(3).default([]),
  /** The seed's Vault KV v2 store. `secret_id` is split on `:` by connection references, so it holds none. */
  vault_provider: z
    .object({ secret_id: z.string().min(1).max(512).regex(VAULT_SECRET_ID, 'must not contain ":" or spaces: connection references split on ":"') })
    .strict()
    .optional(),
  /** AWS Secrets Manager: secrets named `<name_prefix><connection_prefix_name>-<tier>`. */
  aws_secrets_manager: z
    .object({
      name_prefix: z.string().regex(SECRET_NAME_PREFIX, SECRET_NAME_PREFIX_MESSAGE).optional(),
      kms_key_id: z.string().min(1).max(2048).optional(),
    })
    .strict()
    .optional(),
  /** Set new passwords for all three users even when the stored ones still log in. */
  rotate_passwords: z.boolean().default(false),
  /** PostgreSQL: revoke CREATE on schema public from PUBLIC in every database (it changes it for every user). */
  harden_public_schema: z.boolean().default(false),
  aws: AwsTargetSchema.optional(),
  /**
   * A plan only: every step runs, reading as it would, and each writing call (AWS, the master
   * password, SQL, connections, credentials, hook, webhook) is recorded instead of made.
   */
  dry_run: z.boolean().default(false),
  /**
   * `iam`: the users log in with IAM tokens (RDS PostgreSQL and MySQL, the instance's IAM database
   * authentication on) and have no password at all. @default password
   */
  auth: z.enum(['password', 'iam']).default('password'),
  /** Change nothing: no provisioning, no master reset; only read back what each user holds (the `verify` step alone). */
  verify_only: z.boolean().default(false),
};

type RequestShape = {
  aws?: { default_security_group?: unknown };
  target?: { host: string; reset_master_password?: boolean };
  vault_provider?: unknown;
  aws_secrets_manager?: unknown;
  verify_only?: boolean;
  dry_run?: boolean;
  rotate_passwords?: boolean;
  auth?: 'password' | 'iam';
};

const exactlyOneTarget = (request: RequestShape, ctx: z.RefinementCtx) => {
  if ((request.aws === undefined) === (request.target === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of "aws" (an RDS instance) or "target" (a database given directly)' });
  }
  if (request.vault_provider !== undefined && request.aws_secrets_manager !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['aws_secrets_manager'], message: 'give at most one of "vault_provider" or "aws_secrets_manager"' });
  }
  if (request.auth === 'iam') {
    const conflicting = [
      request.target !== undefined && 'target',
      request.vault_provider !== undefined && 'vault_provider',
      request.aws_secrets_manager !== undefined && 'aws_secrets_manager',
      request.rotate_passwords && 'rotate_passwords',
    ].filter(Boolean);
    if (conflicting.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: `"iam" users have no password, so it cannot be combined with ${conflicting.join(', ')} (IAM authentication is an RDS feature)` });
    }
  }
  if (request.verify_only) {
    const changing = [
      request.dry_run && 'dry_run',
      request.rotate_passwords && 'rotate_passwords',
      request.aws?.default_security_group !== undefined && 'aws.default_security_group',
      request.target?.reset_master_password && 'target.reset_master_password',
    ].filter(Boolean);
    if (changing.length > 0) ctx.addIssue({ code: 'custom', path: ['verify_only'], message: `changes nothing, so it cannot be combined with ${changing.join(', ')}` });
  }
  if (request.vault_provider !== undefined && request.target?.host.includes(':')) {
    ctx.addIssue({ code: 'custom', path: ['vault_provider'], message: 'cannot be used with an IPv6 host: the Vault path holds the host and references split on ":"; give a host name' });
  }
};

/** The job request as `POST /api/dbroles/jobs` receives it (DESIGN.md): exactly one of `aws` or `target`. */
export const JobRequestInputSchema = z
  .object({ ...jobRequestFields, aws: AwsTargetInputSchema.optional(), target: DirectTargetInputSchema.optional() })
  .strict()
  .superRefine(exactlyOneTarget);
export type JobRequestInput = z.input<typeof JobRequestInputSchema>;

/** The job request as stored with the job: never the master password. */
export const JobRequestSchema = z.object({ ...jobRequestFields, target: DirectTargetSchema.optional() }).superRefine(exactlyOneTarget);
export type JobRequest = z.infer<typeof JobRequestSchema>;

/** The `db_arn` of a job: the RDS ARN, or `target:<name>` for a database given directly. */
export function jobDbArn(request: Pick<JobRequest, 'aws' | 'target'>): string {
  return request.aws?.instance_arn ?? `target:${request.target?.name ?? ''}`;
}

export const PHASES = ['running', 'completed', 'failed'] as const;
export type Phase = (typeof PHASES)[number];

export const CredentialsInfoSchema = z.object({
  /** `iam`: no secret anywhere; `secret_id` is the user's `rds-db:connect` resource ARN. */
  secrets_manager_provider: z.enum([...SECRETS_PROVIDERS, 'iam']),
  secret_id: z.string(),
  secret_keys: z.array(z.string()),
});

export const RoleResultSchema = z.object({
  user_role: z.string(),
  /** Additive: which tier this result is for, so a failed role still says which it was. */
  role_suffix_name: z.enum(ROLE_TIERS),
  status: z.enum(['completed', 'failed']),
  message: z.string(),
  // CDK drops a null literal from Pass parameters, so a missing value means null.
  credentials_info: CredentialsInfoSchema.nullable().default(null),
  completed_at: z.string(),
  /** Additive: true when the role failed because its credentials could not be written to the job's store. */
  secret_store_failed: z.boolean().optional(),
  /** Additive: how many databases the role reached and how they went; the detail is paged at /jobs/{id}/databases. */
  database_counts: z.object({ total: z.number(), completed: z.number(), failed: z.number() }).default({ total: 0, completed: 0, failed: 0 }),
  /** Additive: the first databases that failed, with why (at most 3). */
  first_failures: z.array(z.object({ database: z.string(), message: z.string() })).max(3).default([]),
  /** Additive, with the `verify` step: what this user holds against its tier (the most severe findings first, at most 5). */
  verify: z
    .object({
      status: z.enum(['clean', 'warnings', 'drift']),
      summary: z.object({ missing: z.number(), login_failed: z.number(), extra: z.number() }),
      first_findings: z.array(z.object({ kind: z.string(), database: z.string().nullable(), object: z.string(), privilege: z.string(), message: z.string() })).max(5),
    })
    .optional(),
});
export type DatabaseCounts = z.infer<typeof RoleResultSchema>['database_counts'];

/** One role's outcome in one database: its own item, paged by GET /api/dbroles/jobs/{id}/databases. */
export const DatabaseOutcomeSchema = z.object({
  user_role: z.string(),
  database: z.string(),
  status: z.enum(['completed', 'failed']),
  message: z.string(),
});
export type DatabaseOutcomeItem = z.infer<typeof DatabaseOutcomeSchema>;
export type RoleResult = z.infer<typeof RoleResultSchema>;

/** One change a dry-run job would make: its own item, paged by GET /api/dbroles/jobs/{id}/plan. Passwords REDACTED. */
export const PlanItemSchema = z.object({
  /** aws: a security group or a Modify call; master: the master password; sql: a statement; connection: a resource role. */
  kind: z.enum(['aws', 'master', 'sql', 'connection']),
  user: z.string().nullable(),
  database: z.string().nullable(),
  /** The call or the SQL as it would be sent, passwords REDACTED. */
  action: z.string(),
  /** Already so: a no-op, shown so the plan is complete. */
  already_held: z.boolean(),
});
export type PlanItem = z.infer<typeof PlanItemSchema>;

/** A dry-run job's plan in counts: changes per kind, and the no-ops. */
export const PlanSummarySchema = z.object({
  changes: z.number(),
  no_ops: z.number(),
  by_kind: z.record(z.string(), z.number()),
});

export const StepProgressSchema = z.object({
  status: z.enum(['running', 'completed', 'failed', 'skipped']),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  message: z.string().optional(),
});
export type StepProgress = z.infer<typeof StepProgressSchema>;

/** The job object: API response and webhook `event_payload`. Never holds a password. */
export const JobSchema = z.object({
  org_id: z.string(),
  id: z.string(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  spec: z.object({
    account_arn: z.string(),
    db_arn: z.string(),
    db_name: z.string(),
    db_engine: z.string(),
    db_tags: z.array(z.object({ key: z.string(), value: z.string() })),
  }),
  status: z.object({
    phase: z.enum(PHASES),
    message: z.string(),
    result: z.array(RoleResultSchema),
  }),
  hook_status: z.object({ exit_code: z.number(), output: z.string(), execution_time_sec: z.number() }).nullable(),
  /** Additive: per-step progress, keyed by state name. */
  steps: z.record(z.string(), StepProgressSchema).default({}),
  execution_arn: z.string().nullable().default(null),
  /** Additive: the webhook's outcome. */
  webhook: z.object({ sent: z.boolean(), message: z.string() }).nullable().default(null),
  /**
   * Additive: where the master credential came from: `rds-managed-secret` (read from RDS's own
   * secret, never stored), `stored` (one dbroles holds, or was given, logged in), `reset` (set by this job).
   */
  master_source: z.enum(['rds-managed-secret', 'stored', 'reset']).nullable().default(null),
  /** Additive, with the `verify` step: the drift of all users together (each role's own is in its result). */
  verify: z.object({ status: z.enum(['clean', 'warnings', 'drift']), summary: z.object({ missing: z.number(), login_failed: z.number(), extra: z.number() }) }).nullable().default(null),
  /** Additive, dry-run jobs only: the plan's counts; the plan itself is paged at /jobs/{id}/plan. */
  plan: PlanSummarySchema.nullable().default(null),
});
export type Job = z.infer<typeof JobSchema>;

/** A job record as stored: the job object plus the request that started it (which holds no secret). */
export const JobRecordSchema = z.object({
  job: JobSchema,
  request: JobRequestSchema,
  /** The database lock the job holds (set by Prepare), so whoever ends the job can release it. */
  lock_key: z.string().optional(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

export const ALL_ROLES_PROVISIONED = 'All user roles have been successfully provisioned';
export const SOME_ROLES_FAILED = 'One or more user roles failed to be provisioned';
/** The message of a dry-run (plan) job, and of `provision --plan`. */
export const PLAN_ONLY_MESSAGE = 'plan only: nothing was changed';
/** The seed's message when Vault refused the credentials. */
export const VAULT_SAVE_FAILED = 'One or more user roles could not be saved to the Vault key-value store';

/** A new job in phase `running`. */
export function newJob(input: { id: string; orgId: string; dbArn: string; now: Date }): Job {
  return {
    org_id: input.orgId,
    id: input.id,
    created_at: input.now.toISOString(),
    completed_at: null,
    spec: { account_arn: '', db_arn: input.dbArn, db_name: '', db_engine: '', db_tags: [] },
    status: { phase: 'running', message: '', result: [] },
    hook_status: null,
    steps: {},
    execution_arn: null,
    webhook: null,
    master_source: null,
    verify: null,
    plan: null,
  };
}
