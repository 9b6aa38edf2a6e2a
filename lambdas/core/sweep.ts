import type { JobStore } from './store/job-store.ts';

export const ABANDONED_MESSAGE = 'the workflow ended without recording this job\'s outcome';

export interface SweepDeps {
  readonly jobs: JobStore;
  /** Status of an execution: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED... */
  readonly executionStatus: (executionArn: string) => Promise<string>;
  readonly clock: () => Date;
}

/**
 * Marks `failed` every job still `running` whose execution has ended: the safety net for a job
 * whose failure path could not write it (DynamoDB unavailable at that moment). Idempotent.
 */
export async function sweepAbandonedJobs(deps: SweepDeps): Promise<string[]> {
  const swept: string[] = [];
  let token: string | undefined;
  do {
    const page = await deps.jobs.list(100, token);
    for (const { job } of page.items) {
      if (job.status.phase !== 'running' || !job.execution_arn) continue;
      const status = await deps.executionStatus(job.execution_arn);
      if (status === 'RUNNING') continue;
      const finished = await deps.jobs.finish(job.id, { phase: 'failed', message: `${ABANDONED_MESSAGE} (execution ${status})`, result: [] }, deps.clock().toISOString());
      if (finished) swept.push(job.id);
    }
    token = page.nextToken;
  } while (token);
  return swept;
}
