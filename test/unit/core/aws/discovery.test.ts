import { afterEach, describe, expect, it } from 'vitest';
import { DefaultAwsAccess } from '../../../../lambdas/core/aws/access.ts';
import { discoverInstances, enabledRegions, listAccounts } from '../../../../lambdas/core/aws/discovery.ts';
import { LOCAL_AWS_CREDENTIALS } from '../../../../local/embedded-dynamodb.ts';
import { accountId, fakeOrganization, MANAGEMENT_ACCOUNT } from '../../../support/fake-organization.ts';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { ALL_AWS_CLIENTS } from '../../../../lambdas/core/aws/clients/all.ts';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const access = () => new DefaultAwsAccess({ clients: ALL_AWS_CLIENTS, credentials: LOCAL_AWS_CREDENTIALS });
let restore: () => void = () => undefined;
afterEach(() => restore());

describe('listAccounts', () => {
  it('pages through ListAccounts', async () => {
    const org = fakeOrganization({ accounts: 45, regions: REGIONS, latencyMs: 0 });
    restore = org.restore;
    const accounts = await listAccounts(access(), 'us-east-1');
    expect(accounts).toHaveLength(45);
    expect(accounts[0]).toEqual({ account_id: accountId(0), name: 'team-0', status: 'ACTIVE', joined_methods: 'INVITED', email: 'team-0@example.com', self: false });
  });

  it('returns the caller account, marked self, when there is no Organization', async () => {
    const org = fakeOrganization({ accounts: 1, regions: REGIONS, latencyMs: 0 });
    const noOrg = mockClient(OrganizationsClient);
    noOrg.on(ListAccountsCommand).rejects(Object.assign(new Error('not in an organization'), { name: 'AWSOrganizationsNotInUseException' }));
    restore = () => (noOrg.restore(), org.restore());
    expect(await listAccounts(access(), 'us-east-1')).toEqual([{ account_id: MANAGEMENT_ACCOUNT, name: '', status: 'ACTIVE', joined_methods: 'SELF', email: '', self: true }]);
  });
});

describe('discoverInstances', () => {
  it('reads 30 accounts × 3 regions in parallel: at most 1.5× the slowest chain, not their sum', async () => {
    const latencyMs = 100;
    const org = fakeOrganization({ accounts: 30, regions: REGIONS, latencyMs });
    restore = org.restore;
    const t0 = performance.now();
    await discoverInstances(access(), { accountIds: [accountId(0)], regions: ['us-east-1'] });
    const chain = performance.now() - t0; // GetCallerIdentity + AssumeRole + DescribeDBInstances + DescribeDBClusters
    const t1 = performance.now();
    const items = await discoverInstances(access(), { accountIds: org.accountIds, regions: REGIONS });
    const parallel = performance.now() - t1;
    expect(items).toHaveLength(30 * 3 * 6);
    expect(new Set(items.map((i) => i.arn)).size, 'every account and region answered for itself').toBe(30 * 3 * 6);
    expect(chain).toBeGreaterThanOrEqual(4 * latencyMs);
    expect(parallel).toBeLessThanOrEqual(1.5 * chain);
    expect(org.calls.assumeRole, 'one AssumeRole per account, shared by its regions').toBe(1 + 30);
  });

  it('classifies writers, readers and replicas, and marks only supported writers', async () => {
    const org = fakeOrganization({ accounts: 1, regions: REGIONS, latencyMs: 0 });
    restore = org.restore;
    const items = await discoverInstances(access(), {
      accountIds: [accountId(0)],
      regions: ['eu-west-1'],
      accountNames: { [accountId(0)]: 'team-0' },
      connectionsFor: (arn) => (arn.endsWith(':db:pg') ? ['pg-ro', 'pg-rw', 'pg-ddl'] : []),
      isProvisioned: async (key) => key.endsWith(':db:pg'),
    });
    const byId = Object.fromEntries(items.map((i) => [i.arn.split(':').pop(), i]));
    expect(byId.pg).toMatchObject({
      account_id: accountId(0),
      name: 'pg',
      account_name: 'team-0',
      region: 'eu-west-1',
      availability_zone: 'eu-west-1a',
      vpc_id: `vpc-${accountId(0)}`,
      arn: `arn:aws:rds:eu-west-1:${accountId(0)}:db:pg`,
      engine: 'postgres',
      status: 'available',
      role: 'writer',
      supported: true,
      provisioned: true,
      connection_resources: ['pg-ro', 'pg-rw', 'pg-ddl'],
      error: null,
    });
    expect(byId['aurora-w']).toMatchObject({ role: 'writer', supported: true, cluster_identifier: 'aurora' });
    expect(byId['aurora-r']).toMatchObject({ role: 'reader', supported: false });
    expect(byId['pg-replica']).toMatchObject({ role: 'replica', supported: false });
    expect(byId.ora).toMatchObject({ role: 'writer', supported: false });
  });

  it('reports a failing account in its items and still returns the others', async () => {
    const org = fakeOrganization({ accounts: 3, regions: REGIONS, latencyMs: 0, brokenAccounts: [accountId(1)] });
    restore = org.restore;
    const items = await discoverInstances(access(), { accountIds: org.accountIds, regions: ['us-east-1', 'eu-west-1'] });
    const broken = items.filter((i) => i.account_id === accountId(1));
    expect(broken).toHaveLength(2);
    for (const item of broken) expect(item.error).toMatch(/^DbrolesError: assume role "arn:aws:iam::200000000001:role\/HoopOrganizationAccountAccessRole"/);
    expect(items.filter((i) => i.error === null)).toHaveLength(2 * 2 * 6);
  });

  it('retries throttling', async () => {
    const org = fakeOrganization({ accounts: 1, regions: REGIONS, latencyMs: 0, throttleFirst: 2 });
    restore = org.restore;
    const items = await discoverInstances(access(), { accountIds: [accountId(0)], regions: ['us-east-1'] });
    expect(items.every((i) => i.error === null)).toBe(true);
    expect(org.calls.describeInstances).toBe(3);
  });

  it('finds the enabled regions for "all"', async () => {
    const org = fakeOrganization({ accounts: 1, regions: REGIONS, latencyMs: 0 });
    restore = org.restore;
    expect(await enabledRegions(access(), 'us-east-1')).toEqual([...REGIONS].sort());
  });
});
