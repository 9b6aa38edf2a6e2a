import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { finalize, FinalizeInputSchema } from '../core/steps/finalize.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => finalize(parseInput(FinalizeInputSchema, event, 'Finalize'), workflowDeps())).use(injectLambdaContext(logger));
