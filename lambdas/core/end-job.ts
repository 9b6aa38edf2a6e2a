import { notify } from './steps/notify.ts';
import type { WebhookDeps, WorkflowDeps } from './steps/deps.ts';

/**
 * How an ended job's webhook goes out: sent from this process (the local runtime), or handed to the
 * Notify function (the deployed triggers, so that only Notify bundles svix).
 */
export type JobNotifier = WebhookDeps | { readonly notifyJob: (jobId: string) => Promise<void> };

export type EndJobDeps = Pick<WorkflowDeps, 'jobs' | 'locks' | 'credentials' | 'clock'> & JobNotifier;

/**
 * Ends, as failed, a job whose execution ended without recording it (timed out, aborted, failed
 * outside every Catch, or lost): releases its database lock, drops the master password it was
 * given, and sends the webhook. Acts only on a job still `running`, so a job already recorded is
 * never notified twice. Returns whether it acted. Idempotent.
 */
export async function failUnfinishedJob(jobId: string, message: string, deps: EndJobDeps): Promise<boolean> {
  const record = await deps.jobs.get(jobId);
  if (record.job.status.phase !== 'running') {
    await deps.jobs.forgetRunning(jobId);
    return false;
  }
  if (!(await deps.jobs.finish(jobId, { phase: 'failed', message, result: [] }, deps.clock().toISOString()))) return false;
  if (record.lock_key) await deps.locks.release(record.lock_key, jobId);
  await deps.credentials.deleteOfferedMaster(jobId);
  if ('notifyJob' in deps) await deps.notifyJob(jobId);
  else await notify({ job_id: jobId }, deps);
  return true;
}
