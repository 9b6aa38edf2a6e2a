import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { z } from 'zod';
import type { AwsClientFactories } from '../core/aws/access.ts';
import type { BaseDeps } from '../core/steps/deps.ts';
import { buildBaseDeps } from './deps.ts';
import { WorkflowEnvSchema, type WorkflowEnv } from './env.ts';
import { logger } from './logger.ts';
import { parseInput } from './parse-input.ts';

export interface TaskHandlerOptions {
  /** The AWS clients the task calls (lambdas/core/aws/clients/). @default none */
  readonly awsClients?: AwsClientFactories;
}

/** A middy Lambda handler taking the task's event and answering the step's result. */
export type TaskLambdaHandler<R> = MiddyfiedHandler<unknown, R>;

/**
 * A task's Lambda handler: parse the input with its schema, then run the step with dependencies
 * built once at cold start, from the environment, holding only what this task uses. A step that
 * needs more than the base dependencies must say how to build them (`deps`): the types require it.
 */
export function taskHandler<S extends z.ZodType, R>(name: string, schema: S, run: (input: z.infer<S>, deps: BaseDeps) => Promise<R>, options?: TaskHandlerOptions): TaskLambdaHandler<R>;
export function taskHandler<S extends z.ZodType, D extends BaseDeps, R>(
  name: string,
  schema: S,
  run: (input: z.infer<S>, deps: D) => Promise<R>,
  options: TaskHandlerOptions & { readonly deps: (base: BaseDeps, env: WorkflowEnv) => D },
): TaskLambdaHandler<R>;
export function taskHandler<S extends z.ZodType, R>(
  name: string,
  schema: S,
  run: (input: z.infer<S>, deps: BaseDeps) => Promise<R>,
  options: TaskHandlerOptions & { readonly deps?: (base: BaseDeps, env: WorkflowEnv) => BaseDeps } = {},
): TaskLambdaHandler<R> {
  let deps: BaseDeps | undefined;
  const built = (): BaseDeps => {
    if (deps) return deps;
    const env = WorkflowEnvSchema.parse(process.env);
    const base = buildBaseDeps(env, options.awsClients ?? {});
    deps = options.deps ? options.deps(base, env) : base;
    return deps;
  };
  return middy(async (event: unknown) => run(parseInput(schema, event, name), built())).use(injectLambdaContext(logger));
}
