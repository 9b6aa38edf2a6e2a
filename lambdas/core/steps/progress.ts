import type { WorkflowDeps } from './deps.ts';

/**
 * Runs one step, recording it in the job's `steps` (running, then completed or failed, with
 * times). The recorded failure message is the error's own message, which core keeps secret-free.
 */
export async function trackStep<T>(
  deps: Pick<WorkflowDeps, 'jobs' | 'clock'>,
  jobId: string,
  step: string,
  run: () => Promise<T>,
  /** What the completed step says, from its result (e.g. where the master password came from). */
  describe?: (result: T) => string | undefined,
): Promise<T> {
  const startedAt = deps.clock().toISOString();
  await deps.jobs.setStep(jobId, step, { status: 'running', started_at: startedAt });
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await deps.jobs
      .setStep(jobId, step, { status: 'failed', started_at: startedAt, finished_at: deps.clock().toISOString(), message: (error as Error).message })
      .catch(() => undefined);
    throw error;
  }
  const message = describe?.(result);
  await deps.jobs.setStep(jobId, step, { status: 'completed', started_at: startedAt, finished_at: deps.clock().toISOString(), ...(message ? { message } : {}) });
  return result;
}
