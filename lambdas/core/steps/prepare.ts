import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { parseRdsInstanceArn } from '../aws/arn.ts';
import { describeCluster, describeInstance } from '../aws/rds.ts';
import { isEngineName } from '../engines/index.ts';
import { ENGINE_FAMILIES, ROLE_TIERS } from '../engines/types.ts';
import { DbrolesError } from '../errors.ts';
import { defaultDatabaseFor, type DbTarget } from '../target.ts';
import type { WorkflowDeps } from './deps.ts';
import { trackStep } from './progress.ts';

export const PrepareInputSchema = z.object({ job_id: z.string().min(1) });

export interface PrepareOutput {
  readonly target: DbTarget;
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
    if (cluster.MasterUserSecret) {
      throw new DbrolesError(`cluster "${cluster.DBClusterIdentifier}" has its master password managed in AWS Secrets Manager; dbroles cannot reset it`);
    }
  }
  if (instance.DBInstanceStatus !== 'available') {
    throw new DbrolesError(`instance "${id}" is "${instance.DBInstanceStatus}"; wait until it is available and run the job again`);
  }
  if (instance.MasterUserSecret) {
    throw new DbrolesError(`instance "${id}" has its master password managed in AWS Secrets Manager; dbroles cannot reset it`);
  }
}

/**
 * Step 1: resolves the job's RDS database (across accounts), refuses what dbroles must not touch,
 * records the spec and takes the database's lock. Throws LockHeldError when another job holds it.
 */
export async function prepare(input: z.infer<typeof PrepareInputSchema>, deps: WorkflowDeps): Promise<PrepareOutput> {
  const { job, request } = await deps.jobs.get(input.job_id);
  return trackStep(deps, job.id, 'Prepare', async () => {
    if (request.vault_provider) {
      // Refused rather than ignored: credentials silently kept elsewhere than asked would surprise.
      throw new DbrolesError('vault_provider is not supported yet: remove it to keep the credentials in dbroles\' encrypted store');
    }
    const arn = parseRdsInstanceArn(request.aws.instance_arn);
    const aws = await deps.aws.forAccount(arn.accountId, arn.region, arn.partition);
    const instance = await describeInstance(aws.rds, arn.instanceId);
    const cluster = instance.DBClusterIdentifier ? await describeCluster(aws.rds, instance.DBClusterIdentifier) : undefined;
    await deps.jobs.setSpec(job.id, {
      account_arn: aws.accountArn,
      db_arn: request.aws.instance_arn,
      db_name: instance.DBName ?? cluster?.DatabaseName ?? '',
      db_engine: instance.Engine ?? '',
      db_tags: (instance.TagList ?? []).map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })),
    });
    refuseUnsupported(instance, cluster);
    const engine = instance.Engine as DbTarget['engine'];
    const host = cluster?.Endpoint ?? instance.Endpoint?.Address;
    const port = cluster?.Port ?? instance.Endpoint?.Port;
    const masterUser = cluster?.MasterUsername ?? instance.MasterUsername;
    if (!host || !port || !masterUser) throw new DbrolesError(`instance "${arn.instanceId}" reports no endpoint or master user yet`);
    const groups = (cluster?.VpcSecurityGroups ?? instance.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean);
    const target: DbTarget = {
      db_arn: request.aws.instance_arn,
      resource_key: cluster?.DBClusterArn ?? request.aws.instance_arn,
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
    };
    await deps.locks.acquire(target.resource_key, job.id, deps.config.lockLeaseSeconds, deps.clock());
    return { target, tiers: ROLE_TIERS, security_group_cidr: request.aws.default_security_group?.ingress_cidr ?? null };
  });
}
