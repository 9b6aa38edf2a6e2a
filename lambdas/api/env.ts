import * as z from 'zod';

/**
 * What the API function needs beyond the workflow's environment (WorkflowEnvSchema, which it also
 * gets: the same table, key and AWS settings). Checked at cold start and at synth.
 */
export const ApiEnvSchema = z.object({
  STATE_MACHINE_ARN: z.string().min(1),
  /** The deployment's region (Lambda sets it). */
  AWS_REGION: z.string().min(1).default('us-east-1'),
});
