import { failUnfinishedJob, type EndJobDeps } from './end-job.ts';
import { NotFoundError } from './errors.ts';

export const ABANDONED_MESSAGE = "the workflow ended without recording this job's outcome";

export type SweepDeps = EndJobDeps & {
  /** Status of an execution: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, or NOT_FOUND. */
  readonly executionStatus: (executionArn: string) => Promise<string>;
  /** The execution a job runs as (its name is the job id), for jobs whose ARN was never recorded. */
  readonly executionArnFor: (jobId: string) => string;
};

/**
 * The safety net behind the execution-status rule: pages through the jobs still marked running
 * (not all history) and ends, as failed, each whose execution is not running, releasing its lock
 * and sending its webhook. Markers of jobs that finished or were never written are dropped.
 * Idempotent.
 */
export async function sweepAbandonedJobs(deps: SweepDeps): Promise<string[]> {
  const swept: string[] = [];
  let token: string | undefined;
  do {
    const page = await deps.jobs.listRunning(100, token);
    for (const id of page.ids) {
      let record;
      try {
        record = await deps.jobs.get(id);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        await deps.jobs.forgetRunning(id);
        continue;
      }
      if (record.job.status.phase !== 'running') {
        await deps.jobs.forgetRunning(id);
        continue;
      }
      const status = await deps.executionStatus(record.job.execution_arn ?? deps.executionArnFor(id));
      if (status === 'RUNNING') continue;
      if (await failUnfinishedJob(id, `${ABANDONED_MESSAGE} (execution ${status})`, deps)) swept.push(id);
    }
    token = page.nextToken;
  } while (token);
  return swept;
}
