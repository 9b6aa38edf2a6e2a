import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { ensureSecurityGroup, EnsureSecurityGroupInputSchema } from '../core/steps/ensure-security-group.ts';
import { workflowDeps } from './deps.ts';
import { parseInput } from './input.ts';
import { logger } from './logger.ts';

export const handler = middy(async (event: unknown) => ensureSecurityGroup(parseInput(EnsureSecurityGroupInputSchema, event, 'EnsureSecurityGroup'), workflowDeps())).use(injectLambdaContext(logger));
