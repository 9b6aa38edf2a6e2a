import * as z from 'zod';
import type { BaseDeps, WebhookDeps } from './deps.ts';

export const NotifyInputSchema = z.object({ job_id: z.string() });

/**
 * Step 7: sends `dbroles.job.finished` with the job object, for completed and failed jobs alike,
 * when the job asked for `send-webhook`. A delivery failure is recorded on the job, not thrown.
 */
export async function notify(input: z.infer<typeof NotifyInputSchema>, deps: Pick<BaseDeps, 'jobs' | 'clock'> & WebhookDeps): Promise<{ sent: boolean }> {
  const { job, request } = await deps.jobs.get(input.job_id);
  if (request.dry_run) {
    // A receiver may act on dbroles.job.finished: a plan changed nothing, so none is sent.
    await deps.jobs.setStep(job.id, 'Notify', { status: 'skipped', message: 'dry run: no webhook is sent for a plan' });
    return { sent: false };
  }
  if (!request.job_steps.includes('send-webhook')) {
    await deps.jobs.setStep(job.id, 'Notify', { status: 'skipped', message: 'send-webhook was not requested' });
    return { sent: false };
  }
  const outcome = await deps.webhook.send(job);
  await deps.jobs.setWebhook(job.id, outcome);
  await deps.jobs.setStep(job.id, 'Notify', {
    status: outcome.sent ? 'completed' : 'failed',
    finished_at: deps.clock().toISOString(),
    message: outcome.message,
  });
  return { sent: outcome.sent };
}
