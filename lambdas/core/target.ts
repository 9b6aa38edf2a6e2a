import * as z from 'zod';
import { ENGINE_FAMILIES } from './engines/types.ts';

/**
 * The database a job works on, as Prepare resolved it. Holds no secret: the master password
 * stays in the credential store and is read by each step that needs it.
 */
export const DbTargetSchema = z.object({
  /** `aws`: an RDS instance, reset through RDS. `direct`: a database given directly, reset through itself. */
  kind: z.enum(['aws', 'direct']),
  /** For `direct` targets: whether to reset the master password. RDS targets reset only when the stored one fails. */
  reset_master_password: z.boolean(),
  db_arn: z.string(),
  /** Where the lock and the credentials are kept: the cluster ARN for cluster members, else the instance ARN. */
  resource_key: z.string(),
  partition: z.string(),
  region: z.string(),
  account_id: z.string(),
  instance_id: z.string(),
  /** Set for Aurora and Multi-AZ DB cluster members: the master password and security groups live on the cluster. */
  cluster_id: z.string().nullable(),
  engine: z.enum(Object.keys(ENGINE_FAMILIES) as [keyof typeof ENGINE_FAMILIES, ...Array<keyof typeof ENGINE_FAMILIES>]),
  host: z.string(),
  port: z.number().int(),
  master_user: z.string(),
  /** The database to open first and to write into credentials; null lets the engine choose. */
  default_database: z.string().nullable(),
  vpc_id: z.string().nullable(),
  security_group_ids: z.array(z.string()),
  /**
   * The RDS-managed master secret (`ManageMasterUserPassword`; the cluster's for Aurora): read as the
   * master credential, never reset and never copied. Null when RDS does not manage it.
   */
  master_secret_arn: z.string().nullable().default(null),
  /** For IAM-authenticated users: the resource id in their `rds-db:connect` ARN (the cluster's for Aurora). */
  iam_resource_id: z.string().nullable().default(null),
  /** Only these databases (a database given directly may name them). @default every application database */
  databases: z.array(z.string()).nullable().default(null),
});
export type DbTarget = z.infer<typeof DbTargetSchema>;

/** The database opened first, per engine family: Postgres `postgres`, SQL Server `master`, MySQL none. */
export function defaultDatabaseFor(engine: DbTarget['engine']): string | null {
  const family = ENGINE_FAMILIES[engine];
  if (family === 'postgres') return 'postgres';
  if (family === 'sqlserver') return 'master';
  return null;
}

/** Where a directly given database's lock and credentials live: one key per server, whatever the job calls it. */
export function directResourceKey(engine: DbTarget['engine'], host: string, port: number): string {
  return `target:${ENGINE_FAMILIES[engine]}://${host.toLowerCase()}:${port}`;
}
