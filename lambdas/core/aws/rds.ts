import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  type DBCluster,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { DbrolesError } from '../errors.ts';
import type { DbTarget } from '../target.ts';
import { withRetry } from './retry.ts';

export async function describeInstance(rds: RDSClient, instanceId: string): Promise<DBInstance> {
  try {
    const out = await withRetry(() => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId })));
    const instance = out.DBInstances?.[0];
    if (!instance) throw new DbrolesError(`RDS instance "${instanceId}" not found`);
    return instance;
  } catch (error) {
    if ((error as { name?: string }).name === 'DBInstanceNotFoundFault') {
      throw new DbrolesError(`RDS instance "${instanceId}" not found in this account and region`, { cause: error });
    }
    throw error;
  }
}

export async function describeCluster(rds: RDSClient, clusterId: string): Promise<DBCluster> {
  const out = await withRetry(() => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId })));
  const cluster = out.DBClusters?.[0];
  if (!cluster) throw new DbrolesError(`RDS cluster "${clusterId}" not found`);
  return cluster;
}

/** Status of what holds the master password: the cluster for cluster members (not an instance of it). */
export async function masterHolderStatus(rds: RDSClient, target: DbTarget): Promise<string> {
  if (target.cluster_id) return (await describeCluster(rds, target.cluster_id)).Status ?? 'unknown';
  return (await describeInstance(rds, target.instance_id)).DBInstanceStatus ?? 'unknown';
}

/**
 * Modifies what holds the master password and the security groups: the cluster for cluster
 * members (ModifyDBInstance's MasterUserPassword does not apply to them), else the instance.
 * Applied immediately.
 */
async function modifyHolder(rds: RDSClient, target: DbTarget, changes: { MasterUserPassword?: string; VpcSecurityGroupIds?: string[] }): Promise<void> {
  const clusterId = target.cluster_id;
  if (clusterId) await withRetry(() => rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clusterId, ApplyImmediately: true, ...changes })));
  else await withRetry(() => rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: target.instance_id, ApplyImmediately: true, ...changes })));
}

/**
 * Asks RDS to set the master password and, when given, the whole set of security groups, in one
 * Modify (RDS refuses a second one while the first is applied). The password never appears in an
 * error from here.
 */
export async function modifyMasterPassword(rds: RDSClient, target: DbTarget, password: string, securityGroupIds?: string[]): Promise<void> {
  await modifyHolder(rds, target, { MasterUserPassword: password, ...(securityGroupIds ? { VpcSecurityGroupIds: securityGroupIds } : {}) });
}

/** The security groups RDS reports on what holds them (the cluster for cluster members), whatever their status. */
export async function attachedSecurityGroups(rds: RDSClient, target: DbTarget): Promise<string[]> {
  const groups = target.cluster_id ? (await describeCluster(rds, target.cluster_id)).VpcSecurityGroups : (await describeInstance(rds, target.instance_id)).VpcSecurityGroups;
  return (groups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean);
}

/** Sets the VPC security groups. `groupIds` is the whole set: RDS replaces it. */
export async function setSecurityGroups(rds: RDSClient, target: DbTarget, groupIds: string[]): Promise<void> {
  await modifyHolder(rds, target, { VpcSecurityGroupIds: groupIds });
}

/** RDS refuses a Modify while a previous one is being applied. */
export function isInvalidStateFault(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'InvalidDBInstanceStateFault' || name === 'InvalidDBClusterStateFault';
}
