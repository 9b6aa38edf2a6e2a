import { secretsManagerClient } from '../core/aws/clients/secrets-manager.ts';
import { runHook, RunHookInputSchema } from '../core/steps/run-hook.ts';
import { hookDeps } from '../shared/hook-deps.ts';
import { taskHandler } from '../shared/task-handler.ts';

// Secrets Manager: the hook is given the master password, read from an RDS-managed secret when the database has one.
export const handler = taskHandler('RunHook', RunHookInputSchema, runHook, { awsClients: { secretsManager: secretsManagerClient }, deps: (base, env) => ({ ...base, ...hookDeps(env) }) });
