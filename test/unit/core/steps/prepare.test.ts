import { randomUUID } from 'node:crypto';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DefaultAwsAccess } from '../../../../lambdas/core/aws/access.ts';
import { JobRequestSchema, newJob } from '../../../../lambdas/core/job.ts';
import type { WorkflowDeps } from '../../../../lambdas/core/steps/deps.ts';
import { prepare } from '../../../../lambdas/core/steps/prepare.ts';
import { LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';
import { BASE_ARN, mockSts, rdsInstance } from '../../../support/fake-aws.ts';
import { workflowDepsFor } from '../../../support/workflow-deps.ts';
import { ALL_AWS_CLIENTS } from '../../../../lambdas/core/aws/clients/all.ts';

let dynamo: EmbeddedDynamo;
let deps: WorkflowDeps;
const rds = mockClient(RDSClient);
let sts: ReturnType<typeof mockSts>;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
  rds.restore();
  sts?.restore();
});
beforeEach(async () => {
  rds.reset();
  sts?.restore();
  sts = mockSts();
  deps = await workflowDepsFor(dynamo.endpoint);
});

async function jobFor(arn: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = randomUUID();
  const request = JobRequestSchema.parse({ connection_prefix_name: 'x', aws: { instance_arn: arn }, ...extra });
  await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: arn, now: new Date() }), request });
  return id;
}

const member = (id: string, clusterId: string, engine = 'aurora-postgresql') =>
  rdsInstance({ id, engine, host: `${id}.abc.us-east-1.rds.amazonaws.com`, port: 5432, masterUser: 'ignored', clusterId });

describe('prepare', () => {
  it('resolves an instance of the caller account with the base credentials and takes the lock', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [rdsInstance({ id: 'pg1', engine: 'postgres', host: 'pg1.abc.rds.amazonaws.com', port: 5433, masterUser: 'admin', dbName: 'app', securityGroupIds: ['sg-1', 'sg-1', 'sg-2'], tags: { bu: 'banking' } })],
    });
    const arn = 'arn:aws:rds:us-east-1:111111111111:db:pg1';
    const id = await jobFor(arn, { default_security_group: undefined });
    const out = await prepare({ job_id: id }, deps);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(out.target).toMatchObject({
      db_arn: arn,
      resource_key: arn,
      region: 'us-east-1',
      account_id: '111111111111',
      cluster_id: null,
      engine: 'postgres',
      host: 'pg1.abc.rds.amazonaws.com',
      port: 5433,
      master_user: 'admin',
      default_database: 'postgres',
      vpc_id: 'vpc-0abc',
      security_group_ids: ['sg-1', 'sg-2'],
    });
    expect(out.security_group_cidr).toBeNull();
    const { job } = await deps.jobs.get(id);
    expect(job.spec).toEqual({ account_arn: BASE_ARN, db_arn: arn, db_name: 'app', db_engine: 'postgres', db_tags: [{ key: 'bu', value: 'banking' }] });
    await expect(deps.locks.acquire(arn, 'other', 60, new Date())).rejects.toThrow(/being provisioned by job/);
  });

  it('assumes the configured role with the ExternalId for another account, taking the region from the ARN', async () => {
    deps = await workflowDepsFor(dynamo.endpoint, {
      aws: new DefaultAwsAccess({ clients: ALL_AWS_CLIENTS, credentials: LOCAL_AWS_CREDENTIALS, crossAccountRoleName: 'DbrolesMember', externalId: 'ext-123' }),
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [rdsInstance({ id: 'pg2', engine: 'postgres', host: 'h', port: 5432, masterUser: 'admin' })] });
    const id = await jobFor('arn:aws:rds:eu-west-2:222222222222:db:pg2');
    const out = await prepare({ job_id: id }, deps);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: 'arn:aws:iam::222222222222:role/DbrolesMember', RoleSessionName: 'dbroles', ExternalId: 'ext-123', DurationSeconds: 3600 },
    ]);
    expect(await rds.call(0).thisValue.config.region()).toBe('eu-west-2');
    expect(out.target.region).toBe('eu-west-2');
    const { job } = await deps.jobs.get(id);
    expect(job.spec.account_arn).toBe('arn:aws:sts::222222222222:assumed-role/HoopOrganizationAccountAccessRole/dbroles');
  });

  it('handles an Aurora writer at its cluster: writer endpoint, cluster master, cluster groups, lock on the cluster', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [member('aurora-1', 'orders')] });
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'orders',
          DBClusterArn: 'arn:aws:rds:us-east-1:111111111111:cluster:orders',
          Status: 'available',
          Endpoint: 'orders.cluster-abc.us-east-1.rds.amazonaws.com',
          Port: 5432,
          MasterUsername: 'clustermaster',
          VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-cluster' }],
          DBClusterMembers: [
            { DBInstanceIdentifier: 'aurora-1', IsClusterWriter: true },
            { DBInstanceIdentifier: 'aurora-2', IsClusterWriter: false },
          ],
        },
      ],
    });
    const out = await prepare({ job_id: await jobFor('arn:aws:rds:us-east-1:111111111111:db:aurora-1') }, deps);
    expect(out.target).toMatchObject({
      cluster_id: 'orders',
      resource_key: 'arn:aws:rds:us-east-1:111111111111:cluster:orders',
      host: 'orders.cluster-abc.us-east-1.rds.amazonaws.com',
      master_user: 'clustermaster',
      security_group_ids: ['sg-cluster'],
      engine: 'aurora-postgresql',
    });
  });

  it('treats a Multi-AZ DB cluster member (engine without "aurora") as a cluster too', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [member('maz-1', 'maz', 'postgres')] });
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'maz',
          DBClusterArn: 'arn:aws:rds:us-east-1:111111111111:cluster:maz',
          Status: 'available',
          Endpoint: 'maz.cluster-abc.us-east-1.rds.amazonaws.com',
          Port: 5432,
          MasterUsername: 'postgres',
          DBClusterMembers: [{ DBInstanceIdentifier: 'maz-1', IsClusterWriter: true }],
        },
      ],
    });
    const out = await prepare({ job_id: await jobFor('arn:aws:rds:us-east-1:111111111111:db:maz-1') }, deps);
    expect(out.target.cluster_id).toBe('maz');
    expect(out.target.host).toBe('maz.cluster-abc.us-east-1.rds.amazonaws.com');
  });

  it('retries throttling from RDS and succeeds', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ DBInstances: [rdsInstance({ id: 'pg3', engine: 'mysql', host: 'h', port: 3306, masterUser: 'admin' })] });
    const out = await prepare({ job_id: await jobFor('arn:aws:rds:us-east-1:111111111111:db:pg3') }, deps);
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(3);
    expect(out.target.default_database).toBeNull();
  });

  it('refuses an instance that is not available', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [rdsInstance({ id: 'db4', engine: 'postgres', host: 'h', port: 5432, masterUser: 'admin', status: 'stopped' })] });
    await expect(prepare({ job_id: await jobFor('arn:aws:rds:us-east-1:111111111111:db:db4') }, deps)).rejects.toThrow(/^instance "db4" is "stopped"; wait until it is available/);
  });

  it("keeps an RDS-managed master secret's ARN on the target (the cluster's for Aurora), to read it instead of resetting", async () => {
    const instance = rdsInstance({ id: 'db5', engine: 'postgres', host: 'h', port: 5432, masterUser: 'admin' });
    instance.MasterUserSecret = { SecretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-5', SecretStatus: 'active' };
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance] });
    const out = await prepare({ job_id: await jobFor('arn:aws:rds:us-east-1:111111111111:db:db5') }, deps);
    expect(out.target.master_secret_arn).toBe('arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-5');
  });

  it('refuses a database in an account outside the configured Organization, before any RDS call', async () => {
    const org = mockClient(OrganizationsClient);
    org.on(ListAccountsCommand).resolves({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' }, { Id: '222222222222', State: 'ACTIVE' }] });
    try {
      const inOrg = { ...deps, config: { ...deps.config, organizationId: 'o-abc1234567' } };
      const id = await jobFor('arn:aws:rds:us-east-1:333333333333:db:stranger');
      await expect(prepare({ job_id: id }, inOrg)).rejects.toThrow(
        "account 333333333333 is not in the Organization o-abc1234567; dbroles provisions only the Organization's accounts",
      );
      expect(rds.calls()).toHaveLength(0);
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    } finally {
      org.restore();
    }
  });

  it('names a missing instance', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('DBInstance nope not found.'), { name: 'DBInstanceNotFoundFault' }));
    await expect(prepare({ job_id: await jobFor('arn:aws:rds:us-east-1:111111111111:db:nope') }, deps)).rejects.toThrow(
      'RDS instance "nope" not found in this account and region',
    );
  });
});
