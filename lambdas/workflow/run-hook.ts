import { runHook, RunHookInputSchema } from '../core/steps/run-hook.ts';
import { hookDeps } from '../shared/hook-deps.ts';
import { taskHandler } from '../shared/task-handler.ts';

export const handler = taskHandler('RunHook', RunHookInputSchema, runHook, { deps: (base, env) => ({ ...base, ...hookDeps(env) }) });
