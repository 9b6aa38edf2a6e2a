import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { buildWorkflowDeps } from '../workflow/deps.ts';
import { WorkflowEnvSchema } from '../workflow/env.ts';
import { logger } from '../workflow/logger.ts';
import { ApiEnvSchema } from './env.ts';
import { apiDepsFrom, routeRequest, type ApiDeps } from './router.ts';

let deps: ApiDeps | undefined;

function apiDeps(): ApiDeps {
  if (deps) return deps;
  const env = ApiEnvSchema.parse(process.env);
  const sfn = new SFNClient({});
  deps = apiDepsFrom(buildWorkflowDeps(WorkflowEnvSchema.parse(process.env)), env.AWS_REGION, {
    async start(jobId) {
      const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: jobId, input: JSON.stringify({ job_id: jobId }) }));
      return out.executionArn ?? '';
    },
  });
  return deps;
}

/** The HTTP API (IAM-authorized by API Gateway when deployed). */
export const handler = middy(async (event: APIGatewayProxyEventV2) => routeRequest(event, apiDeps())).use(injectLambdaContext(logger));
