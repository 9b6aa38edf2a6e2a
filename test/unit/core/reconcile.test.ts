import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DefaultAwsAccess } from '../../../lambdas/core/aws/access.ts';
import { onRdsEvent, reconcileTaggedDatabases, type AutoProvisionDeps } from '../../../lambdas/core/reconcile.ts';
import { LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../../local/embedded-dynamodb.ts';
import { accountId, fakeOrganization } from '../../support/fake-organization.ts';
import { workflowDepsFor } from '../../support/workflow-deps.ts';
import { ALL_AWS_CLIENTS } from '../../../lambdas/core/aws/clients/all.ts';

let dynamo: EmbeddedDynamo;
let restore: () => void = () => undefined;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());
afterEach(() => restore());

async function deps(): Promise<AutoProvisionDeps & { started: string[] }> {
  const w = await workflowDepsFor(dynamo.endpoint);
  const started: string[] = [];
  return {
    ...w,
    aws: new DefaultAwsAccess({ clients: ALL_AWS_CLIENTS, credentials: LOCAL_AWS_CREDENTIALS }),
    defaultRegion: 'us-east-1',
    orgId: 'org',
    starter: { start: async (id) => (started.push(id), `arn:exec:${id}`) },
    started,
  };
}

describe('reconcileTaggedDatabases', () => {
  it('starts a job only for tagged, supported writers, in every account and region, through the job path', async () => {
    const org = fakeOrganization({ accounts: 3, regions: ['us-east-1', 'eu-west-1'], latencyMs: 0, brokenAccounts: [accountId(2)] });
    restore = org.restore;
    const d = await deps();
    const outcome = await reconcileTaggedDatabases(d, { regions: ['us-east-1', 'eu-west-1'] });
    const started = outcome.started.map((s) => s.arn.split(':').slice(3).join(':')).sort();
    const expected = [0, 1].flatMap((i) => ['us-east-1', 'eu-west-1'].flatMap((r) => [`${r}:${accountId(i)}:db:aurora-w`, `${r}:${accountId(i)}:db:pg`])).sort();
    expect(started).toEqual(expected);
    expect(outcome.unreadable.map((u) => [u.account_id, u.region])).toEqual([
      [accountId(2), 'us-east-1'],
      [accountId(2), 'eu-west-1'],
    ]);
    expect(d.started).toHaveLength(8);
    const record = await d.jobs.get(outcome.started[0]?.job_id ?? '');
    expect(record.job.status.phase).toBe('running');
    expect(record.job.execution_arn).toBe(`arn:exec:${record.job.id}`);
    expect(record.request.job_steps).toEqual(['create-connections', 'send-webhook']);
    expect(record.request.connection_prefix_name).toMatch(/^(pg|aurora-w)-2000000000\d\d$/);
    expect(record.request.rotate_passwords, 'the daily reconcile keeps working passwords').toBe(false);
  });

  it('asks every job to rotate passwords when run by the rotation schedule', async () => {
    const org = fakeOrganization({ accounts: 1, regions: ['us-east-1'], latencyMs: 0 });
    restore = org.restore;
    const d = await deps();
    const outcome = await reconcileTaggedDatabases(d, { rotatePasswords: true });
    expect(outcome.started.length).toBeGreaterThan(0);
    for (const { job_id } of outcome.started) expect((await d.jobs.get(job_id)).request.rotate_passwords).toBe(true);
  });

  it('starts verify_only jobs in verify mode (-c reconcileMode=verify): no connections, no rotation', async () => {
    const org = fakeOrganization({ accounts: 1, regions: ['us-east-1'], latencyMs: 0 });
    restore = org.restore;
    const d = await deps();
    const outcome = await reconcileTaggedDatabases(d, { mode: 'verify' });
    expect(outcome.started.length).toBeGreaterThan(0);
    for (const { job_id } of outcome.started) {
      expect((await d.jobs.get(job_id)).request).toMatchObject({ verify_only: true, rotate_passwords: false, job_steps: ['send-webhook'] });
    }
  });
});

describe('onRdsEvent', () => {
  const event = (id: string, type: 'Instance' | 'Cluster' = 'Instance') => ({
    account: accountId(0),
    region: 'us-east-1',
    'detail-type': `RDS DB ${type} Event`,
    detail: { SourceType: type === 'Cluster' ? 'CLUSTER' : 'DB_INSTANCE', SourceIdentifier: id, EventCategories: ['creation'] },
  });

  it('starts a job for a tagged instance, and for the writer of a tagged cluster', async () => {
    const org = fakeOrganization({ accounts: 1, regions: ['us-east-1'], latencyMs: 0 });
    restore = org.restore;
    const d = await deps();
    expect(await onRdsEvent(event('pg'), d)).toEqual({ job_id: expect.any(String) });
    expect(await onRdsEvent(event('aurora', 'Cluster'), d)).toEqual({ job_id: expect.any(String) });
    expect(d.started).toHaveLength(2);
  });

  it.each([
    ['untagged', /is not tagged dbroles:auto-provision=true/],
    ['pg-replica', /not a supported writer/],
    ['ora', /not a supported writer/],
  ])('starts nothing for %s', async (id, reason) => {
    const org = fakeOrganization({ accounts: 1, regions: ['us-east-1'], latencyMs: 0 });
    restore = org.restore;
    const d = await deps();
    expect((await onRdsEvent(event(id), d)).skipped).toMatch(reason);
    expect(d.started).toHaveLength(0);
  });
});
