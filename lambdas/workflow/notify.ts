import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { notify, NotifyInputSchema } from '../core/steps/notify.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => notify(parseInput(NotifyInputSchema, event, 'Notify'), workflowDeps())).use(injectLambdaContext(logger));
