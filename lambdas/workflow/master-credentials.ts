import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { ensureMasterCredentials, MasterCredentialsInputSchema } from '../core/steps/master-credentials.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => ensureMasterCredentials(parseInput(MasterCredentialsInputSchema, event, 'MasterCredentials'), workflowDeps())).use(injectLambdaContext(logger));
