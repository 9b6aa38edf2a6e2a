import middy from '@middy/core';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ApiEnvSchema } from '../api/env.ts';
import { endJobDeps } from '../shared/end-job-deps.ts';
import { executionArnFor, executionStatus } from './execution-status.ts';
import { sweepAbandonedJobs } from '../core/sweep.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { reconcileTaggedDatabases } from '../core/reconcile.ts';
import { apiDeps } from '../shared/api-deps.ts';
import { logger } from '../shared/logger.ts';
import { TriggerEnvSchema } from './env.ts';

/**
 * EventBridge schedule: first marks failed the jobs whose execution ended without recording them,
 * then starts a job for every tagged, supported writer in every account and region (rotating
 * every password when the rotation schedule sent the event).
 */
export const handler = middy(async (event: unknown) => {
  // The rotation schedule sends {"rotate_passwords": true}; the daily reconcile sends EventBridge's own event.
  const rotatePasswords = (event as { rotate_passwords?: unknown } | null)?.rotate_passwords === true;
  const deps = apiDeps();
  const sfn = new SFNClient({});
  const stateMachineArn = ApiEnvSchema.parse(process.env).STATE_MACHINE_ARN;
  const swept = await sweepAbandonedJobs({
    ...endJobDeps(),
    executionStatus: (arn) => executionStatus(sfn, arn),
    executionArnFor: (jobId) => executionArnFor(stateMachineArn, jobId),
  });
  const env = TriggerEnvSchema.parse(process.env);
  // The rotation schedule always provisions: rotating is a change by definition.
  const mode = rotatePasswords ? 'provision' : env.RECONCILE_MODE;
  const outcome = await reconcileTaggedDatabases(deps, { tagKey: env.AUTO_PROVISION_TAG, regions: deps.discoveryRegions, rotatePasswords, mode });
  logger.info('reconcile', { rotatePasswords, mode, started: outcome.started.length, failed: outcome.failed, unreadable: outcome.unreadable, swept });
  return outcome;
}).use(injectLambdaContext(logger));
