import middy from '@middy/core';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { sweepAbandonedJobs } from '../core/sweep.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { reconcileTaggedDatabases } from '../core/reconcile.ts';
import { apiDeps } from '../api/handler.ts';
import { logger } from '../workflow/logger.ts';
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
  const swept = await sweepAbandonedJobs({
    jobs: deps.jobs,
    clock: deps.clock,
    executionStatus: async (executionArn) => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'UNKNOWN',
  });
  const outcome = await reconcileTaggedDatabases(deps, { tagKey: TriggerEnvSchema.parse(process.env).AUTO_PROVISION_TAG, regions: deps.discoveryRegions, rotatePasswords });
  logger.info('reconcile', { rotatePasswords, started: outcome.started.length, failed: outcome.failed, unreadable: outcome.unreadable, swept });
  return outcome;
}).use(injectLambdaContext(logger));
