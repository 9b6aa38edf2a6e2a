import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobDbArn, JobRequestSchema, newJob } from '../../../../lambdas/core/job.ts';
import { LocalKeyCipher } from '../../../../lambdas/core/secrets/cipher.ts';
import { DynamoCredentialStore } from '../../../../lambdas/core/store/credential-store.ts';
import { createDocumentClient } from '../../../../lambdas/core/store/dynamo.ts';
import { DynamoJobStore } from '../../../../lambdas/core/store/job-store.ts';
import { masterCredentialKey } from '../../../../lambdas/core/store/keys.ts';
import { DynamoLockStore } from '../../../../lambdas/core/store/lock-store.ts';
import { ensureTable, LOCAL_AWS_CREDENTIALS, startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';

let dynamo: EmbeddedDynamo;
const TABLE = 'stores';
const doc = () => createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_AWS_CREDENTIALS });

beforeAll(async () => {
  dynamo = await startDynalite();
  await ensureTable(dynamo.endpoint, TABLE);
});
afterAll(() => dynamo.stop());

describe('DynamoLockStore', () => {
  it('lets one owner hold a database until it releases it or the lease ends', async () => {
    const locks = new DynamoLockStore(doc(), TABLE);
    const t0 = new Date('2026-01-01T00:00:00Z');
    await locks.acquire('db-1', 'job-a', 60, t0);
    await locks.acquire('db-1', 'job-a', 60, t0);
    await expect(locks.acquire('db-1', 'job-b', 60, t0)).rejects.toThrow('database "db-1" is being provisioned by job "job-a" (lock held until 2026-01-01T00:01:00.000Z)');
    await locks.release('db-1', 'job-b');
    await expect(locks.acquire('db-1', 'job-b', 60, t0)).rejects.toThrow(/job-a/);
    await locks.acquire('db-1', 'job-b', 60, new Date('2026-01-01T00:02:00Z'));
    await locks.release('db-1', 'job-b');
    await locks.acquire('db-1', 'job-c', 60, t0);
  });
});

describe('DynamoCredentialStore', () => {
  it('stores envelopes only, refuses a stale version and promotes only the pending password', async () => {
    const store = new DynamoCredentialStore(doc(), TABLE, new LocalKeyCipher(randomBytes(32)));
    const arn = `arn:${randomUUID()}`;
    const v1 = await store.writePendingMaster(arn, 'admin', 'first-pending-pw', 0);
    await expect(store.writePendingMaster(arn, 'admin', 'other-pw', 0)).rejects.toThrow(/changed meanwhile/);
    const raw = await doc().send(new GetCommand({ TableName: TABLE, Key: masterCredentialKey(arn, 'admin') }));
    expect(JSON.stringify(raw.Item)).not.toContain('first-pending-pw');
    await expect(store.promotePendingMaster(arn, 'admin', 'not-the-pending')).rejects.toThrow(/not the one that logged in/);
    await store.promotePendingMaster(arn, 'admin', 'first-pending-pw');
    await store.promotePendingMaster(arn, 'admin', 'first-pending-pw');
    expect(await store.getMaster(arn, 'admin')).toEqual({ user: 'admin', version: v1 + 1, current: 'first-pending-pw', pending: undefined });
  });
});

describe('DynamoJobStore', () => {
  it('finishes a job once and lists jobs newest first, page by page', async () => {
    const jobs = new DynamoJobStore(doc(), TABLE);
    const request = JobRequestSchema.parse({ connection_prefix_name: 'x', aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a' } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      ids.push(id);
      await jobs.create({ job: newJob({ id, orgId: 'o', dbArn: jobDbArn(request), now: new Date(Date.UTC(2026, 0, 1, 0, i)) }), request });
    }
    await expect(jobs.create({ job: newJob({ id: ids[0] ?? '', orgId: 'o', dbArn: 'a', now: new Date() }), request })).rejects.toThrow(/already exists/);
    expect(await jobs.finish(ids[0] ?? '', { phase: 'completed', message: 'ok', result: [] }, '2026-01-02T00:00:00Z')).toBe(true);
    expect(await jobs.finish(ids[0] ?? '', { phase: 'failed', message: 'late', result: [] }, '2026-01-03T00:00:00Z')).toBe(false);
    expect((await jobs.get(ids[0] ?? '')).job.status.message).toBe('ok');
    const first = await jobs.list(2);
    expect(first.items.map((r) => r.job.id)).toEqual([ids[2], ids[1]]);
    const second = await jobs.list(2, first.nextToken);
    expect(second.items.map((r) => r.job.id)).toEqual([ids[0]]);
    await expect(jobs.get('missing')).rejects.toThrow('job "missing" not found');
  });
});
