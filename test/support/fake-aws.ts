import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  type DBCluster,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

export const BASE_ACCOUNT = '111111111111';
export const BASE_ARN = `arn:aws:iam::${BASE_ACCOUNT}:user/dbroles`;

/** STS for a caller in BASE_ACCOUNT; AssumeRole answers for any member account. */
export function mockSts() {
  const sts = mockClient(STSClient);
  sts.on(GetCallerIdentityCommand).resolves({ Account: BASE_ACCOUNT, Arn: BASE_ARN, UserId: 'AIDA' });
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
    const account = input.RoleArn.split(':')[4];
    return {
      Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3600_000) },
      AssumedRoleUser: { Arn: `arn:aws:sts::${account}:assumed-role/HoopOrganizationAccountAccessRole/dbroles`, AssumedRoleId: 'AROA:dbroles' },
    };
  });
  return sts;
}

export interface ModifyCall {
  readonly kind: 'instance' | 'cluster';
  readonly id: string;
  readonly password?: string;
  readonly securityGroupIds?: string[];
}

/**
 * An RDS double: DescribeDBInstances/Clusters from a model, and ModifyDB* that reports
 * `resetting-master-credentials`, then really changes the master password (via `applyPassword`)
 * and becomes `available` again, as RDS does.
 */
export class FakeRds {
  readonly mock = mockClient(RDSClient);
  readonly instances = new Map<string, DBInstance>();
  readonly clusters = new Map<string, DBCluster>();
  readonly modifyCalls: ModifyCall[] = [];
  readonly statusSeen: string[] = [];
  /** Called before and after each Modify takes effect: a fault-injection test throws from here. */
  onModify?: (when: 'before' | 'after') => void;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly applyPassword: (holder: { instance?: DBInstance; cluster?: DBCluster }, password: string) => Promise<void>,
    private readonly applyDelayMs = 150,
  ) {
    this.mock.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
      const instance = this.instances.get(input.DBInstanceIdentifier ?? '');
      if (!instance) throw Object.assign(new Error(`DBInstance ${input.DBInstanceIdentifier} not found.`), { name: 'DBInstanceNotFoundFault' });
      this.statusSeen.push(instance.DBInstanceStatus ?? '');
      return { DBInstances: [structuredClone(instance)] };
    });
    this.mock.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier?: string }) => {
      const cluster = this.clusters.get(input.DBClusterIdentifier ?? '');
      if (!cluster) throw Object.assign(new Error(`DBCluster ${input.DBClusterIdentifier} not found.`), { name: 'DBClusterNotFoundFault' });
      this.statusSeen.push(cluster.Status ?? '');
      return { DBClusters: [structuredClone(cluster)] };
    });
    this.mock.on(ModifyDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string; MasterUserPassword?: string; VpcSecurityGroupIds?: string[] }) => {
      const instance = this.instances.get(input.DBInstanceIdentifier);
      if (!instance) throw Object.assign(new Error('not found'), { name: 'DBInstanceNotFoundFault' });
      this.refuseWhileApplying(instance.DBInstanceStatus, 'InvalidDBInstanceStateFault');
      this.onModify?.('before');
      // Only the Modifies RDS accepted.
      this.modifyCalls.push({ kind: 'instance', id: input.DBInstanceIdentifier, password: input.MasterUserPassword, securityGroupIds: input.VpcSecurityGroupIds });
      if (input.VpcSecurityGroupIds) instance.VpcSecurityGroups = input.VpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' }));
      this.apply({ instance }, input.MasterUserPassword);
      this.onModify?.('after');
      return { DBInstance: structuredClone(instance) };
    });
    this.mock.on(ModifyDBClusterCommand).callsFake((input: { DBClusterIdentifier: string; MasterUserPassword?: string; VpcSecurityGroupIds?: string[] }) => {
      const cluster = this.clusters.get(input.DBClusterIdentifier);
      if (!cluster) throw Object.assign(new Error('not found'), { name: 'DBClusterNotFoundFault' });
      this.refuseWhileApplying(cluster.Status, 'InvalidDBClusterStateFault');
      this.modifyCalls.push({ kind: 'cluster', id: input.DBClusterIdentifier, password: input.MasterUserPassword, securityGroupIds: input.VpcSecurityGroupIds });
      if (input.VpcSecurityGroupIds) cluster.VpcSecurityGroups = input.VpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' }));
      this.apply({ cluster }, input.MasterUserPassword);
      return { DBCluster: structuredClone(cluster) };
    });
  }

  /** As RDS: a Modify while another is being applied is refused. */
  private refuseWhileApplying(status: string | undefined, fault: string): void {
    if (status !== 'available') throw Object.assign(new Error(`Database is in ${status} state; modifications are not allowed`), { name: fault });
  }

  /** `resetting-master-credentials` (or `modifying` for groups alone) until the change is applied, then `available`. */
  private apply(holder: { instance?: DBInstance; cluster?: DBCluster }, password: string | undefined): void {
    const setStatus = (status: string) => {
      if (holder.instance) holder.instance.DBInstanceStatus = status;
      if (holder.cluster) holder.cluster.Status = status;
    };
    setStatus(password ? 'resetting-master-credentials' : 'modifying');
    this.pending = this.pending
      .then(() => new Promise((r) => setTimeout(r, this.applyDelayMs)))
      .then(() => (password ? this.applyPassword(holder, password) : undefined))
      .finally(() => setStatus('available'));
  }

  /** Resolves once every requested password change has been applied. */
  settled(): Promise<void> {
    return this.pending;
  }
}

/** An RDS instance as DescribeDBInstances returns it. */
export function rdsInstance(fields: {
  id: string;
  engine: string;
  host: string;
  port: number;
  masterUser: string;
  dbName?: string;
  clusterId?: string;
  replicaOf?: string;
  status?: string;
  vpcId?: string;
  securityGroupIds?: string[];
  tags?: Record<string, string>;
}): DBInstance {
  return {
    DBInstanceIdentifier: fields.id,
    DBInstanceArn: `arn:aws:rds:us-east-1:${BASE_ACCOUNT}:db:${fields.id}`,
    Engine: fields.engine,
    DBInstanceStatus: fields.status ?? 'available',
    Endpoint: { Address: fields.host, Port: fields.port },
    MasterUsername: fields.masterUser,
    DBName: fields.dbName,
    DBClusterIdentifier: fields.clusterId,
    ReadReplicaSourceDBInstanceIdentifier: fields.replicaOf,
    DBSubnetGroup: { VpcId: fields.vpcId ?? 'vpc-0abc' },
    VpcSecurityGroups: (fields.securityGroupIds ?? ['sg-0default']).map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
    TagList: Object.entries(fields.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
  };
}
