import { describe, expect, it } from 'vitest';
import type { Job } from '../../lambdas/core/job.ts';
import { DynamoLockStore } from '../../lambdas/core/store/lock-store.ts';
import { arnOf, createJob, doc, runJob, setUpWorkflowHarness, svix, TABLE } from './harness.ts';

setUpWorkflowHarness();

describe('the state machine, run locally: jobs refused before any change', () => {
  it('fails a second job on the same database fast, with a clear message, and still sends the webhook', async () => {
    const locks = new DynamoLockStore(doc(), TABLE);
    await locks.acquire(arnOf('pg-one'), 'job-already-running', 600, new Date());
    try {
      const id = await createJob({ aws: { instance_arn: arnOf('pg-one') } });
      const started = Date.now();
      const { outcome, job } = await runJob(id);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(outcome.status).toBe('FAILED');
      expect(job.status.phase).toBe('failed');
      expect(job.status.message).toMatch(/^database "arn:aws:rds:us-east-1:111111111111:db:pg-one" is being provisioned by job "job-already-running"/);
      expect(job.completed_at).not.toBeNull();
      expect(job.steps.Prepare?.status).toBe('failed');
      const last = svix.messages().at(-1)?.payload.event_payload;
      expect(last?.id).toBe(id);
      expect((last?.status as Job['status']).phase).toBe('failed');
      // The other job's lock is left alone.
      await expect(locks.acquire(arnOf('pg-one'), 'someone-else', 600, new Date())).rejects.toThrow(/job-already-running/);
    } finally {
      await locks.release(arnOf('pg-one'), 'job-already-running');
    }
  });

  it.each([
    ['ora-one', /^instance "ora-one" runs engine "oracle-ee", which dbroles does not support; supported: postgres, /],
    ['pg-replica', /^instance "pg-replica" is a read replica of "pg-one"; run the job on the source instance$/],
    ['aurora-reader-1', /^instance "aurora-reader-1" is a reader of cluster "aurora-c"; run the job on the writer instance "aurora-writer-1"$/],
  ])('refuses %s with a failed job and a clear message', async (instance, message) => {
    const id = await createJob({ aws: { instance_arn: arnOf(instance) } });
    const { outcome, job } = await runJob(id);
    expect(outcome.status).toBe('FAILED');
    expect(job.status.phase).toBe('failed');
    expect(job.status.message).toMatch(message);
    expect(job.spec.db_arn).toBe(arnOf(instance));
    expect(job.completed_at).not.toBeNull();
    // A job that failed before provisioning runs no hook, as in the product we replace.
    expect(job.hook_status).toBeNull();
    expect(job.steps.RunHook).toBeUndefined();
  });
});
