import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { recordFailure, RecordFailureInputSchema } from '../core/steps/record-failure.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => recordFailure(parseInput(RecordFailureInputSchema, event, 'RecordFailure'), workflowDeps())).use(injectLambdaContext(logger));
