import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { workflowDeps } from './deps.ts';
import { logger } from './logger.ts';
import { TASK_IMPLEMENTATIONS, type TaskName } from './tasks.ts';

/** The Lambda handler of one task: dependencies from the environment, built at cold start. */
export function lambdaHandler(name: TaskName) {
  return middy(async (event: unknown) => TASK_IMPLEMENTATIONS[name](event, workflowDeps())).use(injectLambdaContext(logger));
}
