import { z } from 'zod';

/** Environment of the API function; checked at cold start and at synth. */
export const ApiEnvSchema = z.object({
  DBROLES_TABLE: z.string().min(1),
  DBROLES_ORG_ID: z.string().min(1).default('default'),
  CREDENTIALS_KMS_KEY_ID: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1),
});
export type ApiEnvInput = z.input<typeof ApiEnvSchema>;
