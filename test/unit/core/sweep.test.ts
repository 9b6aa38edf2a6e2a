import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRequestSchema, newJob } from '../../../lambdas/core/job.ts';
import { ABANDONED_MESSAGE, sweepAbandonedJobs } from '../../../lambdas/core/sweep.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../local/embedded-dynamodb.ts';
import { workflowDepsFor } from '../../support/workflow-deps.ts';

let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());

describe('sweepAbandonedJobs', () => {
  it('fails running jobs whose execution ended, and leaves running executions and finished jobs alone', async () => {
    const deps = await workflowDepsFor(dynamo.endpoint);
    const request = JobRequestSchema.parse({ connection_prefix_name: 'x', aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a' } });
    const make = async (status: string | null, phase?: 'completed') => {
      const id = randomUUID();
      await deps.jobs.create({ job: newJob({ id, orgId: 'o', dbArn: 'a', now: new Date() }), request });
      if (status) await deps.jobs.setExecutionArn(id, `arn:exec:${status}:${id}`);
      if (phase) await deps.jobs.finish(id, { phase, message: 'done', result: [] }, new Date().toISOString());
      return id;
    };
    const abandoned = await make('FAILED');
    const running = await make('RUNNING');
    const finished = await make('SUCCEEDED', 'completed');
    const notStarted = await make(null);
    const swept = await sweepAbandonedJobs({ jobs: deps.jobs, clock: deps.clock, executionStatus: async (arn) => arn.split(':')[2] ?? '' });
    expect(swept).toEqual([abandoned]);
    expect((await deps.jobs.get(abandoned)).job.status).toMatchObject({ phase: 'failed', message: `${ABANDONED_MESSAGE} (execution FAILED)` });
    expect((await deps.jobs.get(running)).job.status.phase).toBe('running');
    expect((await deps.jobs.get(finished)).job.status.message).toBe('done');
    expect((await deps.jobs.get(notStarted)).job.status.phase).toBe('running');
    // Idempotent: a second sweep touches only what is still running with an ended execution.
    expect(await sweepAbandonedJobs({ jobs: deps.jobs, clock: deps.clock, executionStatus: async () => 'FAILED' })).toEqual([running]);
  });
});
