import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import * as z from 'zod';
import { parseRdsInstanceArn } from '../aws/arn.ts';
import { listAccounts } from '../aws/accounts.ts';
import { refuseLinkLocalHost } from '../network-guard.ts';
import { describeCluster, describeInstance } from '../aws/rds.ts';
import { isEngineName } from '../engines/types.ts';
import { ENGINE_FAMILIES, ROLE_TIERS, type EngineFamily } from '../engines/types.ts';
import { DbrolesError } from '../errors.ts';
import { defaultDatabaseFor, directResourceKey, type DbTarget } from '../target.ts';
import { jobDbArn, type JobRequest } from '../job.ts';
import type { BaseDeps } from './deps.ts';
import { trackStep } from './progress.ts';

export const PrepareInputSchema = z.object({ job_id: z.string().min(1) });

export interface PrepareOutput {
  readonly target: DbTarget;
  /** Which family's functions the state machine sends the database tasks to. */
  readonly engine_family: EngineFamily;
  readonly tiers: typeof ROLE_TIERS;
  /** The CIDR to open, when the job asked for a security group; null otherwise. */
  readonly security_group_cidr: string | null;
}

function refuseUnsupported(instance: DBInstance, cluster: DBCluster | undefined): void {
  const id = instance.DBInstanceIdentifier ?? '';
  const engine = instance.Engine ?? '';
  if (!isEngineName(engine)) {
    throw new DbrolesError(`instance "${id}" runs engine "${engine}", which dbroles does not support; supported: ${Object.keys(ENGINE_FAMILIES).join(', ')}`);
  }
  if (instance.ReadReplicaSourceDBInstanceIdentifier || instance.ReadReplicaSourceDBClusterIdentifier) {
    const source = instance.ReadReplicaSourceDBInstanceIdentifier ?? instance.ReadReplicaSourceDBClusterIdentifier;
    throw new DbrolesError(`instance "${id}" is a read replica of "${source}"; run the job on the source instance`);
  }
  if (cluster) {
    const member = cluster.DBClusterMembers?.find((m) => m.DBInstanceIdentifier === id);
    if (!member?.IsClusterWriter) {
      const writer = cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
      throw new DbrolesError(
        `instance "${id}" is a reader of cluster "${cluster.DBClusterIdentifier}"; run the job on the writer instance${writer ? ` "${writer}"` : ''}`,
      );
    }
    if (cluster.Status !== 'available') {
      throw new DbrolesError(`cluster "${cluster.DBClusterIdentifier}" is "${cluster.Status}"; wait until it is available and run the job again`);
    }
  }
  if (instance.DBInstanceStatus !== 'available') {
    throw new DbrolesError(`instance "${id}" is "${instance.DBInstanceStatus}"; wait until it is available and run the job again`);
  }
}

/** IAM users need the engine's IAM login and the instance's (or cluster's) IAM database authentication on: checked before any change. */
function refuseWithoutIamAuth(instance: DBInstance, cluster: DBCluster | undefined): void {
  const engine = instance.Engine ?? '';
  if (isEngineName(engine) && ENGINE_FAMILIES[engine] === 'sqlserver') {
    throw new DbrolesError(`instance "${instance.DBInstanceIdentifier}" runs SQL Server, which has no IAM database authentication; use auth "password"`);
  }
  const enabled = cluster ? cluster.IAMDatabaseAuthenticationEnabled : instance.IAMDatabaseAuthenticationEnabled;
  if (!enabled) {
    const name = cluster ? `cluster "${cluster.DBClusterIdentifier}"` : `instance "${instance.DBInstanceIdentifier}"`;
    const command = cluster
      ? `aws rds modify-db-cluster --db-cluster-identifier ${cluster.DBClusterIdentifier} --enable-iam-database-authentication --apply-immediately`
      : `aws rds modify-db-instance --db-instance-identifier ${instance.DBInstanceIdentifier} --enable-iam-database-authentication --apply-immediately`;
    throw new DbrolesError(`${name} does not have IAM database authentication enabled; enable it (${command}) and run the job again`);
  }
}

/** The target of a job on a database given directly: no AWS call. */
function directTarget(request: JobRequest): DbTarget {
  const t = request.target;
  if (!t) throw new DbrolesError('the job has neither "aws" nor "target"');
  return {
    kind: 'direct',
    reset_master_password: t.reset_master_password,
    db_arn: jobDbArn(request),
    resource_key: directResourceKey(t.engine, t.host, t.port),
    partition: '',
    region: '',
    account_id: '',
    instance_id: t.name,
    cluster_id: null,
    engine: t.engine,
    host: t.host,
    port: t.port,
    master_user: t.master_user,
    default_database: t.database ?? defaultDatabaseFor(t.engine),
    vpc_id: null,
    security_group_ids: [],
    databases: t.databases ?? null,
    master_secret_arn: null,
    iam_resource_id: null,
  };
}

/** With an Organization configured, a database must be in one of its accounts (or in dbroles' own). */
async function refuseOutsideOrganization(accountId: string, region: string, deps: BaseDeps): Promise<void> {
  const organization = deps.config.organizationId;
  if (!organization) return;
  const accounts = await listAccounts(deps.aws, region);
  if (accounts.some((a) => a.account_id === accountId)) return;
  throw new DbrolesError(`account ${accountId} is not in the Organization ${organization}; dbroles provisions only the Organization's accounts`);
}

async function rdsTarget(request: JobRequest, jobId: string, deps: BaseDeps): Promise<DbTarget> {
  const dbArn = jobDbArn(request);
  const arn = parseRdsInstanceArn(dbArn);
  await refuseOutsideOrganization(arn.accountId, arn.region, deps);
  const aws = await deps.aws.forAccount(arn.accountId, arn.region, arn.partition);
  const instance = await describeInstance(aws.rds, arn.instanceId);
  const cluster = instance.DBClusterIdentifier ? await describeCluster(aws.rds, instance.DBClusterIdentifier) : undefined;
  await deps.jobs.setSpec(jobId, {
    account_arn: aws.accountArn,
    db_arn: dbArn,
    db_name: instance.DBName ?? cluster?.DatabaseName ?? '',
    db_engine: instance.Engine ?? '',
    db_tags: (instance.TagList ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })),
  });
  refuseUnsupported(instance, cluster);
  if (request.auth === 'iam') refuseWithoutIamAuth(instance, cluster);
  const engine = instance.Engine as DbTarget['engine'];
  const host = cluster?.Endpoint ?? instance.Endpoint?.Address;
  const port = cluster?.Port ?? instance.Endpoint?.Port;
  const masterUser = cluster?.MasterUsername ?? instance.MasterUsername;
  if (!host || !port || !masterUser) throw new DbrolesError(`instance "${arn.instanceId}" reports no endpoint or master user yet`);
  const groups = (cluster?.VpcSecurityGroups ?? instance.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean);
  return {
    kind: 'aws',
    reset_master_password: false,
    db_arn: dbArn,
    resource_key: cluster?.DBClusterArn ?? dbArn,
    partition: arn.partition,
    region: arn.region,
    account_id: arn.accountId,
    instance_id: arn.instanceId,
    cluster_id: cluster?.DBClusterIdentifier ?? null,
    engine,
    host,
    port,
    master_user: masterUser,
    default_database: defaultDatabaseFor(engine),
    vpc_id: instance.DBSubnetGroup?.VpcId ?? null,
    security_group_ids: [...new Set(groups)],
    databases: null,
    iam_resource_id: (cluster ? cluster.DbClusterResourceId : instance.DbiResourceId) ?? null,
    // RDS keeps the master password in Secrets Manager: dbroles reads it there and never resets it.
    master_secret_arn: (cluster ? cluster.MasterUserSecret?.SecretArn : instance.MasterUserSecret?.SecretArn) ?? null,
  };
}

/**
 * Step 1: resolves the job's database (an RDS instance across accounts, or a database given
 * directly), refuses what dbroles must not touch, records the spec and takes the database's lock.
 * Throws LockHeldError when another job holds it.
 */
export async function prepare(input: z.infer<typeof PrepareInputSchema>, deps: BaseDeps): Promise<PrepareOutput> {
  const { job, request } = await deps.jobs.get(input.job_id);
  return trackStep(deps, job.id, 'Prepare', async () => {
    let target: DbTarget;
    if (request.target) {
      target = directTarget(request);
      // Again at run time: the name may resolve elsewhere now than when the job was posted.
      await refuseLinkLocalHost(target.host, deps.config.allowLinkLocal ?? false, 'workflow');
      await deps.jobs.setSpec(job.id, { account_arn: '', db_arn: target.db_arn, db_name: request.target.database ?? '', db_engine: target.engine, db_tags: [] });
    } else {
      target = await rdsTarget(request, job.id, deps);
    }
    await deps.locks.acquire(target.resource_key, job.id, deps.config.lockLeaseSeconds, deps.clock());
    await deps.jobs.setLockKey(job.id, target.resource_key);
    return { target, engine_family: ENGINE_FAMILIES[target.engine], tiers: ROLE_TIERS, security_group_cidr: request.aws?.default_security_group?.ingress_cidr ?? null };
  });
}
