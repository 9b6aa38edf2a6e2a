import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { z } from 'zod';
import type { AwsClientFactories } from '../core/aws/access.ts';
import type { BaseDeps } from '../core/steps/deps.ts';
import { buildBaseDeps } from './deps.ts';
import { WorkflowEnvSchema, type WorkflowEnv } from './env.ts';
import { logger } from './logger.ts';
import { parseInput } from './parse-input.ts';

export interface TaskHandlerOptions<D> {
  /** The AWS clients the task calls (lambdas/core/aws/clients/). @default none */
  readonly awsClients?: AwsClientFactories;
  /** The task's dependencies beyond the base ones (database-deps, webhook-deps, hook-deps). */
  readonly deps?: (base: BaseDeps, env: WorkflowEnv) => D;
}

/**
 * A task's Lambda handler: parse the input with its schema, then run the step with dependencies
 * built once at cold start, from the environment, holding only what this task uses.
 */
export function taskHandler<S extends z.ZodType, D extends BaseDeps, R>(
  name: string,
  schema: S,
  run: (input: z.infer<S>, deps: D) => Promise<R>,
  options: TaskHandlerOptions<D> = {},
) {
  let deps: D | undefined;
  const built = (): D => {
    if (deps) return deps;
    const env = WorkflowEnvSchema.parse(process.env);
    const base = buildBaseDeps(env, options.awsClients ?? {});
    deps = options.deps ? options.deps(base, env) : (base as D);
    return deps;
  };
  return middy(async (event: unknown) => run(parseInput(schema, event, name), built())).use(injectLambdaContext(logger));
}
