import { randomUUID } from 'node:crypto';
import { DescribeDBClustersCommand, ModifyDBClusterCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobRequestSchema, newJob } from '../../../../lambdas/core/job.ts';
import type { WorkflowDeps } from '../../../../lambdas/core/steps/deps.ts';
import { checkMasterApplied, ensureMasterCredentials } from '../../../../lambdas/core/steps/master-credentials.ts';
import { postgresProvisioner } from '../../../../lambdas/core/engines/postgres/index.ts';
import { mysqlProvisioner } from '../../../../lambdas/core/engines/mysql/index.ts';
import type { DbTarget } from '../../../../lambdas/core/target.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';
import { mockSts } from '../../../support/fake-aws.ts';
import { fakeLoginProvisioner, workflowDepsFor } from '../../../support/workflow-deps.ts';

let dynamo: EmbeddedDynamo;
let deps: WorkflowDeps;
const server = { live: 'old-unknown-password', unreachable: false };
const rds = mockClient(RDSClient);
const sts = mockSts();
const aurora: DbTarget = {
  kind: 'aws',
  reset_master_password: false,
  db_arn: 'arn:aws:rds:us-east-1:111111111111:db:orders-1',
  resource_key: 'arn:aws:rds:us-east-1:111111111111:cluster:orders',
  partition: 'aws',
  region: 'us-east-1',
  account_id: '111111111111',
  instance_id: 'orders-1',
  cluster_id: 'orders',
  engine: 'aurora-postgresql',
  host: 'orders.cluster-x.rds.amazonaws.com',
  port: 5432,
  master_user: 'admin',
  default_database: 'postgres',
  vpc_id: 'vpc-1',
  security_group_ids: [],
  databases: null,
  master_secret_arn: null,
  iam_resource_id: null,
};

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
  rds.restore();
  sts.restore();
});
beforeEach(async () => {
  rds.reset();
  Object.assign(server, { live: 'old-unknown-password', unreachable: false });
  const login = fakeLoginProvisioner(server);
  deps = await workflowDepsFor(dynamo.endpoint, { provisioners: { postgres: login, mysql: login, sqlserver: login } });
});

async function job(): Promise<string> {
  const id = randomUUID();
  const request = JobRequestSchema.parse({ connection_prefix_name: 'x', aws: { instance_arn: aurora.db_arn } });
  await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn: aurora.db_arn, now: new Date() }), request });
  return id;
}

describe('ensureMasterCredentials and checkMasterApplied', () => {
  it('writes the new password ahead, resets it at the Aurora cluster, and promotes it once it logs in', async () => {
    let pendingAtModify: string | undefined;
    rds.on(ModifyDBClusterCommand).callsFake(async (input: { MasterUserPassword: string }) => {
      pendingAtModify = (await deps.credentials.getMaster(aurora.resource_key, aurora.master_user))?.pending;
      server.live = input.MasterUserPassword;
      return {};
    });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'orders', Status: 'available' }] });
    const id = await job();
    const first = await ensureMasterCredentials({ job_id: id, target: aurora }, deps);
    expect(first).toEqual({ mode: 'reset', applied: false, attempts: 0 });
    const sent = rds.commandCalls(ModifyDBClusterCommand)[0]?.args[0].input;
    expect(sent).toMatchObject({ DBClusterIdentifier: 'orders', ApplyImmediately: true });
    expect(rds.commandCalls(ModifyDBInstanceCommand)).toHaveLength(0);
    expect(pendingAtModify, 'the password was stored before RDS saw it').toBe(sent?.MasterUserPassword);
    const applied = await checkMasterApplied({ job_id: id, target: aurora, master: first }, deps);
    expect(applied).toMatchObject({ applied: true, attempts: 1, status: 'available' });
    expect(await deps.credentials.getMaster(aurora.resource_key, aurora.master_user)).toMatchObject({ current: sent?.MasterUserPassword, pending: undefined });
  });

  it('keeps waiting while the new password does not log in, then gives up with the password kept as pending', async () => {
    rds.on(ModifyDBClusterCommand).resolves({});
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'orders', Status: 'resetting-master-credentials' }] });
    const id = await job();
    let state = await ensureMasterCredentials({ job_id: id, target: aurora }, deps);
    state = await checkMasterApplied({ job_id: id, target: aurora, master: state }, deps);
    expect(state).toMatchObject({ applied: false, attempts: 1, status: 'resetting-master-credentials' });
    state = await checkMasterApplied({ job_id: id, target: aurora, master: state }, deps);
    await expect(checkMasterApplied({ job_id: id, target: aurora, master: state }, deps)).rejects.toThrow(
      /did not log in after 3 checks \(status "resetting-master-credentials"\); it is kept as pending/,
    );
    expect((await deps.credentials.getMaster(aurora.resource_key, aurora.master_user))?.pending).toBeTruthy();
  });

  it('never resets when the database is unreachable: a network error is not a wrong password', async () => {
    const id = await job();
    await deps.credentials.putCurrentMaster(aurora.resource_key, 'admin', 'stored-password');
    server.unreachable = true;
    await expect(ensureMasterCredentials({ job_id: id, target: aurora }, deps)).rejects.toThrow(/ECONNREFUSED/);
    expect(rds.calls()).toHaveLength(0);
  });

  it('reuses stored credentials that still log in, without calling RDS', async () => {
    const id = await job();
    await deps.credentials.putCurrentMaster(aurora.resource_key, 'admin', 'stored-password');
    server.live = 'stored-password';
    expect(await ensureMasterCredentials({ job_id: id, target: aurora }, deps)).toEqual({ mode: 'reused', applied: true, attempts: 0 });
    expect(rds.calls()).toHaveLength(0);
  });

  it('reports a refused reset without the password in the message', async () => {
    rds.on(ModifyDBClusterCommand).callsFake((input: { MasterUserPassword: string }) => {
      throw Object.assign(new Error(`Invalid master password ${input.MasterUserPassword}`), { name: 'InvalidParameterValue' });
    });
    const id = await job();
    const error = await ensureMasterCredentials({ job_id: id, target: aurora }, deps).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^reset the master password of "orders": Invalid master password REDACTED$/);
  });

  it.each([
    ['a pg_hba refusal (28000)', { code: '28000', message: 'no pg_hba.conf entry for host "10.0.0.9", user "admin", no encryption' }],
    ['a TLS failure', { code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }],
  ])('never resets on %s: only the engine\'s wrong-password code counts', async (_label, failure) => {
    const id = await job();
    await deps.credentials.putCurrentMaster(aurora.resource_key, 'admin', 'stored-password');
    const refusing = { ...postgresProvisioner, connect: async () => Promise.reject(Object.assign(new Error(failure.message), { code: failure.code })) };
    const error = (await ensureMasterCredentials({ job_id: id, target: aurora }, { ...deps, provisioners: { ...deps.provisioners, postgres: refusing } }).catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(failure.code === '28000' ? /no pg_hba\.conf entry/ : /TLS verification of orders\.cluster-x\.rds\.amazonaws\.com:5432 failed \(SELF_SIGNED_CERT_IN_CHAIN\): .*set DBROLES_RDS_CA_FILE/);
    expect(rds.calls()).toHaveLength(0);
    expect((await deps.credentials.getMaster(aurora.resource_key, 'admin'))?.pending).toBeUndefined();
  });
});

describe('which refusals count as a wrong password', () => {
  it.each([
    [postgresProvisioner, { code: '28P01' }, true],
    [postgresProvisioner, { code: '28000' }, false],
    [postgresProvisioner, { code: 'ECONNREFUSED' }, false],
    [mysqlProvisioner, { errno: 1045 }, true],
    [mysqlProvisioner, { errno: 1698 }, true],
    [mysqlProvisioner, { errno: 1130 }, false],
  ])('%#: %o → %s', (provisioner, error, expected) => {
    expect(provisioner.isAuthenticationError(error)).toBe(expected);
  });
});

describe('the security group and the password in one Modify', () => {
  const groups = { attach: true, security_group_ids: ['sg-a', 'sg-hoop'] };

  it('sends the new password and the groups in the same ModifyDBCluster', async () => {
    rds.on(ModifyDBClusterCommand).resolves({});
    const id = await job();
    await ensureMasterCredentials({ job_id: id, target: aurora, security_groups: groups }, deps);
    const calls = rds.commandCalls(ModifyDBClusterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({ DBClusterIdentifier: 'orders', ApplyImmediately: true, VpcSecurityGroupIds: ['sg-a', 'sg-hoop'], MasterUserPassword: expect.any(String) });
  });

  it('attaches the groups alone when the stored password still logs in, and accepts a retry that finds them being applied', async () => {
    const id = await job();
    await deps.credentials.putCurrentMaster(aurora.resource_key, 'admin', 'stored-password');
    server.live = 'stored-password';
    rds.on(ModifyDBClusterCommand).resolvesOnce({}).rejects(Object.assign(new Error('cluster is modifying'), { name: 'InvalidDBClusterStateFault' }));
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: 'orders', VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-a' }, { VpcSecurityGroupId: 'sg-hoop', Status: 'adding' }] }] });
    expect(await ensureMasterCredentials({ job_id: id, target: aurora, security_groups: groups }, deps)).toEqual({ mode: 'reused', applied: true, attempts: 0 });
    expect(rds.commandCalls(ModifyDBClusterCommand)[0]?.args[0].input).toEqual({ DBClusterIdentifier: 'orders', ApplyImmediately: true, VpcSecurityGroupIds: ['sg-a', 'sg-hoop'] });
    await ensureMasterCredentials({ job_id: id, target: aurora, security_groups: groups }, deps);
    expect(rds.commandCalls(ModifyDBClusterCommand)).toHaveLength(2);
  });
});

