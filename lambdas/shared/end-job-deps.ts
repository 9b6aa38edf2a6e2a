import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { EndJobDeps } from '../core/end-job.ts';
import type { BaseDeps } from '../core/steps/deps.ts';
import { buildBaseDeps } from './deps.ts';
import { WorkflowEnvSchema } from './env.ts';

let ending: (BaseDeps & EndJobDeps) | undefined;

/**
 * What ends a job its execution abandoned: the stores, and the Notify function (NOTIFY_FUNCTION_NAME)
 * invoked asynchronously with the job's id, as the state machine would; the triggers bundle no svix.
 * Built once per cold start.
 */
export function endJobDeps(): BaseDeps & EndJobDeps {
  if (ending) return ending;
  const env = WorkflowEnvSchema.parse(process.env);
  const functionName = env.NOTIFY_FUNCTION_NAME;
  if (!functionName) throw new Error('NOTIFY_FUNCTION_NAME is not set: the function that sends job webhooks');
  const lambda = new LambdaClient({});
  ending = {
    ...buildBaseDeps(env, {}),
    notifyJob: async (jobId) => {
      // 'Event': Lambda queues it and retries it; Notify records a delivery failure on the job.
      await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify({ job_id: jobId })) }));
    },
  };
  return ending;
}
