import type { BaseDeps, WebhookDeps } from '../core/steps/deps.ts';
import { buildBaseDeps } from './deps.ts';
import { WorkflowEnvSchema } from './env.ts';
import { webhookDeps } from './webhook-deps.ts';

let ending: (BaseDeps & WebhookDeps) | undefined;

/** What ends a job its execution abandoned: the stores and the webhook, no AWS client. Built once per cold start. */
export function endJobDeps(): BaseDeps & WebhookDeps {
  if (ending) return ending;
  const env = WorkflowEnvSchema.parse(process.env);
  ending = webhookDeps(buildBaseDeps(env, {}), env);
  return ending;
}
