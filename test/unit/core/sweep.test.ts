import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failUnfinishedJob } from '../../../lambdas/core/end-job.ts';
import { JobRequestSchema, newJob, type Job } from '../../../lambdas/core/job.ts';
import { ABANDONED_MESSAGE, sweepAbandonedJobs } from '../../../lambdas/core/sweep.ts';
import { executionArnFor } from '../../../lambdas/triggers/execution-status.ts';
import { startDynalite, type EmbeddedDynamo } from '../../../local/embedded-dynamodb.ts';
import { workflowDepsFor } from '../../support/workflow-deps.ts';

let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());

const MACHINE = 'arn:aws:states:us-east-1:111111111111:stateMachine:dbroles';

async function setup() {
  const sent: Job[] = [];
  const deps = await workflowDepsFor(dynamo.endpoint, { webhook: { send: async (job) => (sent.push(job), { sent: true, message: 'sent' }) } });
  const request = JobRequestSchema.parse({ connection_prefix_name: 'x', job_steps: ['send-webhook'], aws: { instance_arn: 'arn:aws:rds:us-east-1:111111111111:db:a' } });
  const make = async (status: string | null, options: { phase?: 'completed'; lock?: string } = {}) => {
    const id = randomUUID();
    await deps.jobs.create({ job: newJob({ id, orgId: 'o', dbArn: 'a', now: new Date() }), request });
    if (status) await deps.jobs.setExecutionArn(id, `${executionArnFor(MACHINE, id)}#${status}`);
    if (options.lock) {
      await deps.locks.acquire(options.lock, id, 7200, new Date());
      await deps.jobs.setLockKey(id, options.lock);
    }
    if (options.phase) await deps.jobs.finish(id, { phase: options.phase, message: 'done', result: [] }, new Date().toISOString());
    return id;
  };
  return { deps, sent, make };
}

describe('sweepAbandonedJobs', () => {
  it('fails running jobs whose execution ended or never started, releases their locks, and notifies each once', async () => {
    const { deps, sent, make } = await setup();
    const lock = `db-${randomUUID()}`;
    const abandoned = await make('FAILED', { lock });
    const running = await make('RUNNING');
    const finished = await make('SUCCEEDED', { phase: 'completed' });
    const neverRecorded = await make(null);
    const sweep = (statusOf: (arn: string) => string) =>
      sweepAbandonedJobs({ ...deps, executionStatus: async (arn) => statusOf(arn), executionArnFor: (id) => executionArnFor(MACHINE, id) });
    // An execution ARN that was never recorded is derived from the job id; that execution does not exist.
    const swept = await sweep((arn) => (arn.includes('#') ? (arn.split('#')[1] ?? '') : 'NOT_FOUND'));
    expect(swept.sort()).toEqual([abandoned, neverRecorded].sort());
    expect((await deps.jobs.get(abandoned)).job.status).toMatchObject({ phase: 'failed', message: `${ABANDONED_MESSAGE} (execution FAILED)` });
    expect((await deps.jobs.get(neverRecorded)).job.status.message).toBe(`${ABANDONED_MESSAGE} (execution NOT_FOUND)`);
    expect((await deps.jobs.get(running)).job.status.phase).toBe('running');
    expect((await deps.jobs.get(finished)).job.status.message).toBe('done');
    await deps.locks.acquire(lock, 'next-job', 60, new Date());
    expect(sent.map((j) => j.id).sort()).toEqual([abandoned, neverRecorded].sort());
    // Only running jobs are visited, and a second sweep notifies nobody twice.
    const page = await deps.jobs.listRunning(100);
    expect(page.ids).toContain(running);
    expect(page.ids).not.toContain(finished);
    expect(await sweep(() => 'FAILED')).toEqual([running]);
    expect(sent).toHaveLength(3);
  });
});

describe('failUnfinishedJob (the execution-status rule)', () => {
  it('ends a job still running, once, and leaves a recorded one alone', async () => {
    const { deps, sent, make } = await setup();
    const id = await make('TIMED_OUT');
    expect(await failUnfinishedJob(id, 'the workflow execution ended TIMED_OUT before recording this job; run the job again', deps)).toBe(true);
    expect(await failUnfinishedJob(id, 'again', deps)).toBe(false);
    expect((await deps.jobs.get(id)).job.status.message).toMatch(/ended TIMED_OUT/);
    expect(sent.map((j) => [j.id, j.status.phase])).toEqual([[id, 'failed']]);
    const recorded = await make('FAILED', { phase: 'completed' });
    expect(await failUnfinishedJob(recorded, 'x', deps)).toBe(false);
    expect(sent).toHaveLength(1);
  });
});

describe('the execution-status event', () => {
  it('reads the job id and the status from the event Step Functions sends', async () => {
    const { ExecutionEndedEventSchema } = await import('../../../lambdas/triggers/on-execution-ended.ts');
    const event = {
      version: '0',
      id: '315c1398-40ff-a850-213b-158f73e60175',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '111111111111',
      time: '2026-11-29T10:00:00Z',
      region: 'us-east-1',
      resources: [`${MACHINE.replace(':stateMachine:', ':execution:')}:job-1`],
      detail: {
        executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:job-1`,
        stateMachineArn: MACHINE,
        name: 'job-1',
        status: 'TIMED_OUT',
        startDate: 1764410400000,
        stopDate: 1764432000000,
        input: '{"job_id":"job-1"}',
        output: null,
      },
    };
    expect(ExecutionEndedEventSchema.parse(event).detail).toMatchObject({ name: 'job-1', status: 'TIMED_OUT' });
    expect(ExecutionEndedEventSchema.safeParse({ detail: { ...event.detail, status: 'SUCCEEDED' } }).success).toBe(false);
  });
});
