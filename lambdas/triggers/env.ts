import * as z from 'zod';

/** Extra environment of the trigger functions (they also get the API's and the workflow's). */
export const TriggerEnvSchema = z.object({
  AUTO_PROVISION_TAG: z.string().min(1).default('dbroles:auto-provision'),
  /** `verify`: the daily reconcile only reads back what each user holds (verify_only jobs); the rotation schedule is unaffected. */
  RECONCILE_MODE: z.enum(['provision', 'verify']).default('provision'),
});
