import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRequestSchema, newJob, type Job } from '../../../../lambdas/core/job.ts';
import { LockHeldError } from '../../../../lambdas/core/errors.ts';
import type { WorkflowDeps } from '../../../../lambdas/core/steps/deps.ts';
import { notify } from '../../../../lambdas/core/steps/notify.ts';
import { causeMessage, recordFailure } from '../../../../lambdas/core/steps/record-failure.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../../local/embedded-dynamodb.ts';
import { rdsTarget } from '../../../support/targets.ts';
import { workflowDepsFor } from '../../../support/workflow-deps.ts';

let dynamo: EmbeddedDynamo;
let deps: WorkflowDeps;
const sent: Job[] = [];
beforeAll(async () => {
  dynamo = await startDynalite();
  deps = await workflowDepsFor(dynamo.endpoint, {
    webhook: {
      send: async (job) => {
        sent.push(job);
        return job.spec.db_arn.endsWith('refused') ? { sent: false, message: 'Svix: 503 unavailable' } : { sent: true, message: 'sent as Svix message msg_1' };
      },
    },
  });
});
afterAll(() => dynamo.stop());

async function createJob(jobSteps: string[], dbArn = 'target:orders'): Promise<string> {
  const id = randomUUID();
  const request = JobRequestSchema.parse({ connection_prefix_name: 'orders', job_steps: jobSteps, target: { engine: 'postgres', host: 'db.internal', port: 5432, master_user: 'admin', name: 'orders' } });
  await deps.jobs.create({ job: newJob({ id, orgId: 'org', dbArn, now: new Date() }), request });
  return id;
}

describe('notify', () => {
  it('sends nothing unless the job asked for send-webhook, and says so on the job', async () => {
    const id = await createJob([]);
    expect(await notify({ job_id: id }, deps)).toEqual({ sent: false });
    expect(sent.find((j) => j.id === id)).toBeUndefined();
    expect((await deps.jobs.get(id)).job.steps.Notify).toMatchObject({ status: 'skipped', message: 'send-webhook was not requested' });
  });

  it('sends the job and records the outcome; a refused delivery is recorded, not thrown', async () => {
    const id = await createJob(['send-webhook']);
    expect(await notify({ job_id: id }, deps)).toEqual({ sent: true });
    expect(sent.find((j) => j.id === id)?.id).toBe(id);
    expect((await deps.jobs.get(id)).job.webhook).toEqual({ sent: true, message: 'sent as Svix message msg_1' });
    const refused = await createJob(['send-webhook'], 'target:refused');
    expect(await notify({ job_id: refused }, deps)).toEqual({ sent: false });
    expect((await deps.jobs.get(refused)).job.webhook).toEqual({ sent: false, message: 'Svix: 503 unavailable' });
  });
});

describe('recordFailure', () => {
  it('fails the job with the error message, the master passwords redacted, and frees its lock and its offered master', async () => {
    const id = await createJob([]);
    const target = rdsTarget();
    await deps.credentials.putOfferedMaster(id, 'offered-Secret-1');
    await deps.locks.acquire(target.resource_key, id, 600, new Date());
    const cause = JSON.stringify({ errorType: 'DbrolesError', errorMessage: 'login failed with offered-Secret-1 for admin', trace: ['at x (file.js:1)'] });
    expect(await recordFailure({ job_id: id, error: { Error: 'DbrolesError', Cause: cause }, steps: { prepare: { target } } }, deps)).toEqual({ phase: 'failed' });
    const { job } = await deps.jobs.get(id);
    expect(job.status).toEqual({ phase: 'failed', message: 'login failed with REDACTED for admin', result: [] });
    expect(job.completed_at).not.toBeNull();
    expect(await deps.credentials.getOfferedMaster(id)).toBeUndefined();
    // The lock is free: another job may take it now.
    await deps.locks.acquire(target.resource_key, randomUUID(), 600, new Date());
  });

  it('leaves a lock another job holds, and a job that already ended', async () => {
    const target = rdsTarget({ instance_id: 'other' });
    const holder = randomUUID();
    await deps.locks.acquire(target.resource_key, holder, 600, new Date());
    const id = await createJob([]);
    await recordFailure({ job_id: id, error: { Error: 'States.Timeout' }, steps: { prepare: { target } } }, deps);
    await expect(deps.locks.acquire(target.resource_key, randomUUID(), 600, new Date())).rejects.toBeInstanceOf(LockHeldError);
    await deps.jobs.finish(id, { phase: 'failed', message: 'first', result: [] }, new Date().toISOString());
    await recordFailure({ job_id: id, error: { Error: 'Later' } }, deps);
    expect((await deps.jobs.get(id)).job.status.message).toBe('States.Timeout');
  });

  it('reads the message of a Lambda error, a plain cause, or the error name; never a stack trace', () => {
    expect(causeMessage({ Cause: JSON.stringify({ errorMessage: 'the lock is held' }) })).toBe('the lock is held');
    expect(causeMessage({ Cause: 'first line\n    at stack (x.js:1:1)' })).toBe('first line');
    expect(causeMessage({ Error: 'States.TaskFailed' })).toBe('States.TaskFailed');
    expect(causeMessage(undefined)).toBe('the workflow failed');
  });
});
