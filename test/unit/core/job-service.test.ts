import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob } from '../../../lambdas/core/job-service.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../local/embedded-dynamodb.ts';
import { workflowDepsFor } from '../../support/workflow-deps.ts';

let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());

const request = { connection_prefix_name: 'x', job_steps: [], rotate_passwords: false, aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a' } } as const;

describe('createJob', () => {
  it('leaves a started job running when only noting its execution ARN fails', async () => {
    const w = await workflowDepsFor(dynamo.endpoint);
    const jobs = { ...w.jobs, create: w.jobs.create.bind(w.jobs), get: w.jobs.get.bind(w.jobs), finish: w.jobs.finish.bind(w.jobs), setExecutionArn: async () => Promise.reject(new Error('throttled')) };
    const { job_id } = await createJob({ ...request, job_steps: [...request.job_steps] }, { ...w, jobs, orgId: 'o', starter: { start: async (id) => `arn:exec:${id}` } });
    expect((await w.jobs.get(job_id)).job.status.phase).toBe('running');
    expect((await w.jobs.listRunning(100)).ids).toContain(job_id);
  });

  it('fails the job, and says so, when its execution cannot start', async () => {
    const w = await workflowDepsFor(dynamo.endpoint);
    const error = (await createJob({ ...request, job_steps: [] }, { ...w, orgId: 'o', newId: () => 'job-no-start', starter: { start: async () => Promise.reject(new Error('AccessDenied')) } }).catch((e: Error) => e)) as Error;
    expect(error.message).toBe('could not start the workflow: AccessDenied');
    expect((await w.jobs.get('job-no-start')).job.status).toMatchObject({ phase: 'failed', message: 'could not start the workflow: AccessDenied' });
    expect((await w.jobs.listRunning(100)).ids).not.toContain('job-no-start');
  });

  it('keeps aws.master_password out of the job: stored encrypted as the offered master, never in the request', async () => {
    const w = await workflowDepsFor(dynamo.endpoint);
    const { job_id } = await createJob(
      { ...request, job_steps: [], aws: { ...request.aws, master_reset: 'never', master_password: 'given-once-pw' } },
      { ...w, orgId: 'o', starter: { start: async (id) => `arn:exec:${id}` } },
    );
    const record = await w.jobs.get(job_id);
    expect(record.request.aws).toEqual({ instance_arn: request.aws.instance_arn, master_reset: 'never' });
    expect(JSON.stringify(record)).not.toContain('given-once-pw');
    expect(await w.credentials.getOfferedMaster(job_id)).toBe('given-once-pw');
  });
});
