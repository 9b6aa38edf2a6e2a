import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, type DBCluster, type DBInstance } from '@aws-sdk/client-rds';
import pLimit from 'p-limit';
import { isEngineName } from '../engines/types.ts';
import type { AwsAccess } from './access.ts';
import { withRetry } from './retry.ts';

export { listAccounts, type AccountItem } from './accounts.ts';

export type InstanceRole = 'writer' | 'reader' | 'replica';

export interface InstanceItem {
  account_id: string;
  /** The DBInstanceIdentifier (the seed's `name`). */
  name: string;
  /** Additive: the account's name in the Organization. */
  account_name: string;
  region: string;
  availability_zone: string;
  vpc_id: string;
  arn: string;
  engine: string;
  status: string;
  cluster_identifier: string | null;
  role: InstanceRole | null;
  /** dbroles can provision it: a supported engine, and the writer. */
  supported: boolean;
  /** dbroles holds master credentials for it (it was provisioned). */
  provisioned: boolean;
  /** Resource roles of this database (tag hoop.dev/aws-connect.dbarn). */
  connection_resources: string[];
  tags: Record<string, string>;
  /** Set when this account and region could not be read; the other fields are then empty. */
  error: string | null;
}

export interface DiscoveryOptions {
  readonly accountIds: string[];
  readonly regions: string[];
  /** Account and region pairs read at once: enough that 30 accounts × 3 regions go in one wave. @default 128 */
  readonly concurrency?: number;
  /** Names of accounts, for the items. */
  readonly accountNames?: Record<string, string>;
  readonly partition?: string;
  /** Resource roles per database ARN, and whether dbroles holds credentials for a resource key. */
  readonly connectionsFor?: (arn: string) => string[];
  readonly isProvisioned?: (resourceKey: string) => Promise<boolean>;
}

function roleOf(instance: DBInstance, cluster: DBCluster | undefined): InstanceRole {
  if (instance.ReadReplicaSourceDBInstanceIdentifier || instance.ReadReplicaSourceDBClusterIdentifier) return 'replica';
  if (cluster) return cluster.DBClusterMembers?.find((m) => m.DBInstanceIdentifier === instance.DBInstanceIdentifier)?.IsClusterWriter ? 'writer' : 'reader';
  return 'writer';
}

/** Every enabled region of the account the base credentials belong to. */
export async function enabledRegions(aws: AwsAccess, region: string, partition = 'aws'): Promise<string[]> {
  const me = await aws.callerIdentity(region);
  const { ec2 } = await aws.forAccount(me.account, region, partition);
  const out = await withRetry(() => ec2.send(new DescribeRegionsCommand({ AllRegions: false })));
  return (out.Regions ?? []).map((r) => r.RegionName ?? '').filter(Boolean).sort();
}

async function describeOne(aws: AwsAccess, accountId: string, region: string, options: DiscoveryOptions): Promise<InstanceItem[]> {
  const { rds } = await aws.forAccount(accountId, region, options.partition ?? 'aws');
  const instances: DBInstance[] = [];
  let marker: string | undefined;
  do {
    const page = await withRetry(() => rds.send(new DescribeDBInstancesCommand({ Marker: marker })));
    instances.push(...(page.DBInstances ?? []));
    marker = page.Marker;
  } while (marker);
  const clusters = new Map<string, DBCluster>();
  if (instances.some((i) => i.DBClusterIdentifier)) {
    marker = undefined;
    do {
      const page = await withRetry(() => rds.send(new DescribeDBClustersCommand({ Marker: marker })));
      for (const c of page.DBClusters ?? []) clusters.set(c.DBClusterIdentifier ?? '', c);
      marker = page.Marker;
    } while (marker);
  }
  return Promise.all(
    instances.map(async (instance) => {
      const cluster = instance.DBClusterIdentifier ? clusters.get(instance.DBClusterIdentifier) : undefined;
      const arn = instance.DBInstanceArn ?? '';
      const role = roleOf(instance, cluster);
      const engine = instance.Engine ?? '';
      return {
        account_id: accountId,
        name: instance.DBInstanceIdentifier ?? '',
        account_name: options.accountNames?.[accountId] ?? '',
        region,
        availability_zone: instance.AvailabilityZone ?? '',
        vpc_id: instance.DBSubnetGroup?.VpcId ?? '',
        arn,
        engine,
        status: instance.DBInstanceStatus ?? '',
        cluster_identifier: instance.DBClusterIdentifier ?? null,
        role,
        supported: isEngineName(engine) && role === 'writer',
        provisioned: (await options.isProvisioned?.(cluster?.DBClusterArn ?? arn)) ?? false,
        connection_resources: options.connectionsFor?.(arn) ?? [],
        tags: Object.fromEntries((instance.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        error: null,
      };
    }),
  );
}

/**
 * The RDS instances of every account × region, read in parallel with bounded concurrency. An
 * account or region that fails (no role to assume, region disabled, throttled past retries) gives
 * one item with `error` set; it never fails the whole call.
 */
export async function discoverInstances(aws: AwsAccess, options: DiscoveryOptions): Promise<InstanceItem[]> {
  const limit = pLimit(options.concurrency ?? 128);
  const pairs = options.accountIds.flatMap((accountId) => options.regions.map((region) => ({ accountId, region })));
  const results = await Promise.all(
    pairs.map(({ accountId, region }) =>
      limit(async () => {
        try {
          return await describeOne(aws, accountId, region, options);
        } catch (error) {
          const item: InstanceItem = {
            account_id: accountId,
            name: '',
            account_name: options.accountNames?.[accountId] ?? '',
            region,
            availability_zone: '',
            vpc_id: '',
            arn: '',
            engine: '',
            status: '',
            cluster_identifier: null,
            role: null,
            supported: false,
            provisioned: false,
            connection_resources: [],
            tags: {},
            error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}`,
          };
          return [item];
        }
      }),
    ),
  );
  return results.flat();
}
