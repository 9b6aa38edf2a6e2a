import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

export interface FakeOrganizationOptions {
  readonly accounts: number;
  readonly regions: string[];
  /** Milliseconds every AWS call takes. */
  readonly latencyMs: number;
  /** Accounts whose role cannot be assumed. */
  readonly brokenAccounts?: string[];
  /** Calls of DescribeDBInstances that answer ThrottlingException first. */
  readonly throttleFirst?: number;
}

export const MANAGEMENT_ACCOUNT = '100000000000';
export const accountId = (i: number) => String(200000000000 + i);

/**
 * An Organization of N accounts, each with, per region: a Postgres writer, an Aurora cluster (writer
 * and reader), a read replica and an Oracle instance. Every call waits `latencyMs`.
 */
export function fakeOrganization(options: FakeOrganizationOptions) {
  const sleep = () => new Promise((r) => setTimeout(r, options.latencyMs));
  const sts = mockClient(STSClient);
  const org = mockClient(OrganizationsClient);
  const rds = mockClient(RDSClient);
  const ec2 = mockClient(EC2Client);
  let throttles = options.throttleFirst ?? 0;
  const calls = { describeInstances: 0, assumeRole: 0 };
  sts.on(GetCallerIdentityCommand).callsFake(async () => (await sleep(), { Account: MANAGEMENT_ACCOUNT, Arn: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:user/dbroles` }));
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => {
    calls.assumeRole += 1;
    await sleep();
    const account = input.RoleArn.split(':')[4] ?? '';
    if (options.brokenAccounts?.includes(account)) throw Object.assign(new Error(`not authorized to assume ${input.RoleArn}`), { name: 'AccessDenied' });
    return {
      Credentials: { AccessKeyId: `ASIA${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) },
      AssumedRoleUser: { Arn: `arn:aws:sts::${account}:assumed-role/r/dbroles`, AssumedRoleId: 'x' },
    };
  });
  const all = Array.from({ length: options.accounts }, (_, i) => ({ Id: accountId(i), Name: `team-${i}`, Email: `team-${i}@example.com`, State: 'ACTIVE', JoinedMethod: 'INVITED' }));
  org.on(ListAccountsCommand).callsFake(async (input: { NextToken?: string }) => {
    await sleep();
    const start = Number(input.NextToken ?? 0);
    return { Accounts: all.slice(start, start + 20), NextToken: start + 20 < all.length ? String(start + 20) : undefined };
  });
  ec2.on(DescribeRegionsCommand).callsFake(async () => (await sleep(), { Regions: options.regions.map((RegionName) => ({ RegionName })) }));
  const accountOf = async (client: { config: { credentials: () => Promise<{ accessKeyId: string }> } }) => {
    const creds = await client.config.credentials().catch(() => ({ accessKeyId: 'base' }));
    return creds.accessKeyId.startsWith('ASIA') ? creds.accessKeyId.slice(4) : MANAGEMENT_ACCOUNT;
  };
  rds.on(DescribeDBInstancesCommand).callsFake(async (input: { DBInstanceIdentifier?: string }, getClient: () => unknown) => {
    calls.describeInstances += 1;
    // Read the sending client before awaiting: the mock keeps only the latest caller.
    const client = getClient() as { config: { region: () => Promise<string>; credentials: () => Promise<{ accessKeyId: string }> } };
    await sleep();
    if (throttles > 0) {
      throttles -= 1;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    }
    const region = await client.config.region();
    const account = await accountOf(client);
    const arn = (id: string) => `arn:aws:rds:${region}:${account}:db:${id}`;
    const base = { DBInstanceStatus: 'available', AvailabilityZone: `${region}a`, DBSubnetGroup: { VpcId: `vpc-${account}` } };
    const instances = [
        { ...base, DBInstanceIdentifier: 'pg', DBInstanceArn: arn('pg'), Engine: 'postgres', TagList: [{ Key: 'dbroles:auto-provision', Value: 'true' }] },
        { ...base, DBInstanceIdentifier: 'aurora-w', DBInstanceArn: arn('aurora-w'), Engine: 'aurora-mysql', DBClusterIdentifier: 'aurora', TagList: [{ Key: 'dbroles:auto-provision', Value: 'true' }] },
        { ...base, DBInstanceIdentifier: 'aurora-r', DBInstanceArn: arn('aurora-r'), Engine: 'aurora-mysql', DBClusterIdentifier: 'aurora', TagList: [{ Key: 'dbroles:auto-provision', Value: 'true' }] },
        { ...base, DBInstanceIdentifier: 'pg-replica', DBInstanceArn: arn('pg-replica'), Engine: 'postgres', ReadReplicaSourceDBInstanceIdentifier: 'pg', TagList: [{ Key: 'dbroles:auto-provision', Value: 'true' }] },
        { ...base, DBInstanceIdentifier: 'ora', DBInstanceArn: arn('ora'), Engine: 'oracle-ee', TagList: [{ Key: 'dbroles:auto-provision', Value: 'true' }] },
        { ...base, DBInstanceIdentifier: 'untagged', DBInstanceArn: arn('untagged'), Engine: 'mysql', TagList: [] },
    ];
    return { DBInstances: input.DBInstanceIdentifier ? instances.filter((i) => i.DBInstanceIdentifier === input.DBInstanceIdentifier) : instances };
  });
  rds.on(DescribeDBClustersCommand).callsFake(async () => {
    await sleep();
    return {
      DBClusters: [
        {
          DBClusterIdentifier: 'aurora',
          DBClusterArn: 'arn:aws:rds:x:y:cluster:aurora',
          DBClusterMembers: [
            { DBInstanceIdentifier: 'aurora-w', IsClusterWriter: true },
            { DBInstanceIdentifier: 'aurora-r', IsClusterWriter: false },
          ],
        },
      ],
    };
  });
  return {
    calls,
    accountIds: all.map((a) => a.Id),
    restore() {
      for (const m of [sts, org, rds, ec2]) m.restore();
    },
  };
}
