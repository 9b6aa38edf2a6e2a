import * as z from 'zod';
import { redact } from '../redact.ts';
import { DbTargetSchema } from '../target.ts';
import type { BaseDeps } from './deps.ts';

export const RecordFailureInputSchema = z.object({
  job_id: z.string(),
  /** What Step Functions caught: `{Error, Cause}`; Cause is Lambda's JSON error or a plain message. */
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  /** The steps so far; the target is there once Prepare succeeded. */
  steps: z.object({ prepare: z.object({ target: DbTargetSchema }).optional() }).loose().optional(),
});

/** The message of a caught error: Lambda's `errorMessage` when Cause is its JSON, never a stack trace. */
export function causeMessage(error: z.infer<typeof RecordFailureInputSchema>['error']): string {
  const cause = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // a plain message
  }
  return cause.split('\n')[0] || error?.Error || 'the workflow failed';
}

/**
 * The global failure path: the job becomes `failed` with a redacted message and the lock is
 * released (only when this job holds it). Idempotent; a finished job is left as it is.
 */
export async function recordFailure(input: z.infer<typeof RecordFailureInputSchema>, deps: BaseDeps): Promise<{ phase: 'failed' }> {
  const target = input.steps?.prepare?.target;
  const stored = target ? await deps.credentials.getMaster(target.resource_key, target.master_user).catch(() => undefined) : undefined;
  const offered = await deps.credentials.getOfferedMaster(input.job_id).catch(() => undefined);
  const message = redact(causeMessage(input.error), [stored?.current, stored?.pending, offered]);
  const now = deps.clock().toISOString();
  await deps.jobs.finish(input.job_id, { phase: 'failed', message, result: [] }, now);
  await deps.credentials.deleteOfferedMaster(input.job_id);
  if (target) await deps.locks.release(target.resource_key, input.job_id);
  return { phase: 'failed' };
}
