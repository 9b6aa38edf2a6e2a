import { ALL_AWS_CLIENTS } from '../core/aws/clients/all.ts';
import { PROVISIONERS } from '../core/engines/index.ts';
import type { WorkflowDeps } from '../core/steps/deps.ts';
import { databaseDeps } from './database-deps.ts';
import { VERIFIERS } from '../core/verifiers.ts';
import { buildBaseDeps } from './deps.ts';
import type { WorkflowEnv } from './env.ts';
import { hookDeps } from './hook-deps.ts';
import { webhookDeps } from './webhook-deps.ts';

/**
 * Every dependency, every driver and every client: the local runtime, the API and the triggers
 * (which run no task), and the tests. A deployed task function builds only its own (task-handler.ts).
 */
export function buildWorkflowDeps(env: WorkflowEnv): WorkflowDeps {
  const base = buildBaseDeps(env, ALL_AWS_CLIENTS);
  return { ...databaseDeps(PROVISIONERS, VERIFIERS)(base, env), ...webhookDeps(base, env), ...hookDeps(env) };
}
