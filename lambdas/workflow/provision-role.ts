import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { provisionRole, ProvisionRoleInputSchema } from '../core/steps/provision-role.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => provisionRole(parseInput(ProvisionRoleInputSchema, event, 'ProvisionRole'), workflowDeps())).use(injectLambdaContext(logger));
