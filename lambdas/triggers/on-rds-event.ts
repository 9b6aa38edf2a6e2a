import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { onRdsEvent, RdsEventSchema } from '../core/reconcile.ts';
import { apiDeps } from '../shared/api-deps.ts';
import { logger } from '../shared/logger.ts';
import { parseInput } from '../shared/parse-input.ts';
import { TriggerEnvSchema } from './env.ts';

/** EventBridge rule: an RDS instance or cluster was created or restored. */
export const handler = middy(async (event: unknown) => {
  const outcome = await onRdsEvent(parseInput(RdsEventSchema, event, 'OnRdsEvent'), apiDeps(), { tagKey: TriggerEnvSchema.parse(process.env).AUTO_PROVISION_TAG });
  logger.info('rds event', { ...outcome });
  return outcome;
}).use(injectLambdaContext(logger));
