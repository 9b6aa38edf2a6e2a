import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildWorkflowDeps } from '../shared/all-deps.ts';
import { WorkflowEnvSchema } from '../shared/env.ts';
import { logger } from '../shared/logger.ts';
import { ApiEnvSchema } from './env.ts';
import { apiDepsFrom, routeRequest, type ApiDeps } from './router.ts';
import { stepFunctionsStarter } from './sfn-starter.ts';

let deps: ApiDeps | undefined;

/** The API's dependencies, built at cold start from the environment. */
export function apiDeps(): ApiDeps {
  if (deps) return deps;
  const env = ApiEnvSchema.parse(process.env);
  deps = apiDepsFrom(buildWorkflowDeps(WorkflowEnvSchema.parse(process.env)), env.AWS_REGION, stepFunctionsStarter(env.STATE_MACHINE_ARN), (event) =>
    logger.info('credentials read', event),
  );
  return deps;
}

/** The HTTP API (IAM-authorized by API Gateway when deployed). */
export const handler = middy(async (event: APIGatewayProxyEventV2) => routeRequest(event, apiDeps())).use(injectLambdaContext(logger));
