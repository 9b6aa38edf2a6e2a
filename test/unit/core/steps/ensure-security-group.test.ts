import { randomUUID } from 'node:crypto';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobRequestSchema, newJob } from '../../../../lambdas/core/job.ts';
import type { WorkflowDeps } from '../../../../lambdas/core/steps/deps.ts';
import { ensureSecurityGroup, EnsureSecurityGroupInputSchema } from '../../../../lambdas/core/steps/ensure-security-group.ts';
import type { DbTarget } from '../../../../lambdas/core/target.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';
import { mockSts } from '../../../support/fake-aws.ts';
import { workflowDepsFor } from '../../../support/workflow-deps.ts';

let dynamo: EmbeddedDynamo;
let deps: WorkflowDeps;
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const sts = mockSts();

const target = (fields: Partial<DbTarget> = {}): DbTarget => ({
  master_secret_arn: null,
  iam_resource_id: null,
  kind: 'aws',
  reset_master_password: false,
  db_arn: 'arn:aws:rds:us-east-1:111111111111:db:pg1',
  resource_key: 'arn:aws:rds:us-east-1:111111111111:db:pg1',
  partition: 'aws',
  region: 'us-east-1',
  account_id: '111111111111',
  instance_id: 'pg1',
  cluster_id: null,
  engine: 'postgres',
  host: 'pg1.example.com',
  port: 5432,
  master_user: 'admin',
  default_database: 'postgres',
  vpc_id: 'vpc-1',
  security_group_ids: ['sg-app'],
  databases: null,
  ...fields,
});

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
  ec2.restore();
  rds.restore();
  sts.restore();
});
beforeEach(async () => {
  ec2.reset();
  rds.reset();
  deps = await workflowDepsFor(dynamo.endpoint);
});

async function job(): Promise<string> {
  const id = randomUUID();
  const request = JobRequestSchema.parse({ connection_prefix_name: 'x', aws: { instance_arn: target().db_arn } });
  await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: target().db_arn, now: new Date() }), request });
  return id;
}

describe('ensureSecurityGroup', () => {
  it('creates the named, tagged group with one ingress rule, and leaves attaching it (by union) to MasterCredentials', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-new' });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    const out = await ensureSecurityGroup({ job_id: await job(), target: target(), cidr: '10.10.10.10/32' }, deps);
    expect(out).toEqual({ group_id: 'sg-new', security_group_ids: ['sg-app', 'sg-new'], attach: true, changed: true });
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'group-name', Values: ['hoop-aws-connect-sg-pg1'] },
      { Name: 'vpc-id', Values: ['vpc-1'] },
    ]);
    expect(ec2.commandCalls(CreateSecurityGroupCommand)[0]?.args[0].input).toMatchObject({
      GroupName: 'hoop-aws-connect-sg-pg1',
      VpcId: 'vpc-1',
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Name', Value: 'hoop-aws-connect-sg-pg1' }, { Key: 'hoop.dev/gateway', Value: 'dbroles.example.com' }] }],
    });
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]?.args[0].input.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.10.10.10/32', Description: 'Database ingress rule for connectivity with Hoop Agent' }] },
    ]);
    expect(rds.calls(), 'no Modify here: it would collide with the password reset').toHaveLength(0);
  });

  it('changes nothing on a rerun: the group, its rule and the attachment are there', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: 'sg-new', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.10.10.10/32' }] }] }],
    });
    const out = await ensureSecurityGroup({ job_id: await job(), target: target({ security_group_ids: ['sg-app', 'sg-new'] }), cidr: '10.10.10.10/32' }, deps);
    expect(out).toEqual({ group_id: 'sg-new', security_group_ids: ['sg-app', 'sg-new'], attach: false, changed: false });
    expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(rds.calls()).toHaveLength(0);
  });

  it('adds a missing rule to an existing group, and lists the union without duplicates', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-new', IpPermissions: [] }] });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    const out = await ensureSecurityGroup(
      { job_id: await job(), target: target({ cluster_id: 'orders', security_group_ids: ['sg-a', 'sg-b'] }), cidr: '192.168.0.0/24' },
      deps,
    );
    expect(out).toMatchObject({ security_group_ids: ['sg-a', 'sg-b', 'sg-new'], attach: true });
    expect(rds.calls()).toHaveLength(0);
  });

  it('finds the group another job created meanwhile instead of failing', async () => {
    ec2
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [] })
      .resolves({ SecurityGroups: [{ GroupId: 'sg-raced', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.0.1/32' }] }] }] });
    ec2.on(CreateSecurityGroupCommand).rejects(Object.assign(new Error('already exists'), { name: 'InvalidGroup.Duplicate' }));
    const out = await ensureSecurityGroup({ job_id: await job(), target: target(), cidr: '10.0.0.1/32' }, deps);
    expect(out.group_id).toBe('sg-raced');
  });

  it.each(['10.0.0.300/32', '10.0.0.0/33', '10.0.0.0', 'abc', '::1/128'])('rejects the CIDR %s', (cidr) => {
    expect(EnsureSecurityGroupInputSchema.safeParse({ job_id: 'j', target: target(), cidr }).success).toBe(false);
  });
});
