import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { checkMasterApplied, CheckMasterAppliedInputSchema } from '../core/steps/master-credentials.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => checkMasterApplied(parseInput(CheckMasterAppliedInputSchema, event, 'CheckMasterApplied'), workflowDeps())).use(injectLambdaContext(logger));
