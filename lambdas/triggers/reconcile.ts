import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { reconcileTaggedDatabases } from '../core/reconcile.ts';
import { apiDeps } from '../api/handler.ts';
import { logger } from '../workflow/logger.ts';
import { TriggerEnvSchema } from './env.ts';

/** EventBridge schedule: a job for every tagged, supported writer in every account and region. */
export const handler = middy(async () => {
  const deps = apiDeps();
  const outcome = await reconcileTaggedDatabases(deps, { tagKey: TriggerEnvSchema.parse(process.env).AUTO_PROVISION_TAG, regions: deps.discoveryRegions });
  logger.info('reconcile', { started: outcome.started.length, failed: outcome.failed, unreadable: outcome.unreadable });
  return outcome;
}).use(injectLambdaContext(logger));
