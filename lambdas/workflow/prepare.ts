import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { prepare, PrepareInputSchema } from '../core/steps/prepare.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => prepare(parseInput(PrepareInputSchema, event, 'Prepare'), workflowDeps())).use(injectLambdaContext(logger));
