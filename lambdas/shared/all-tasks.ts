import type { z } from 'zod';
import type { WorkflowDeps } from '../core/steps/deps.ts';
import { ensureSecurityGroup, EnsureSecurityGroupInputSchema } from '../core/steps/ensure-security-group.ts';
import { finalize, FinalizeInputSchema } from '../core/steps/finalize.ts';
import { checkMasterApplied, CheckMasterAppliedInputSchema, ensureMasterCredentials, MasterCredentialsInputSchema } from '../core/steps/master-credentials.ts';
import { notify, NotifyInputSchema } from '../core/steps/notify.ts';
import { prepare, PrepareInputSchema } from '../core/steps/prepare.ts';
import { provisionRole, ProvisionRoleInputSchema } from '../core/steps/provision-role.ts';
import { recordFailure, RecordFailureInputSchema } from '../core/steps/record-failure.ts';
import { runHook, RunHookInputSchema } from '../core/steps/run-hook.ts';
import { parseInput } from './parse-input.ts';
import { TASKS, type TaskName } from './task-registry.ts';

function task<S extends z.ZodType, R>(name: TaskName, schema: S, run: (input: z.infer<S>, deps: WorkflowDeps) => Promise<R>) {
  return (event: unknown, deps: WorkflowDeps): Promise<R> => run(parseInput(schema, event, name), deps);
}

/**
 * Every task in one process, with every dependency: the local runtime and the tests. The same
 * schemas and steps as the deployed handlers (lambdas/workflow/), which each hold only their own.
 */
export const TASK_IMPLEMENTATIONS: Record<TaskName, (event: unknown, deps: WorkflowDeps) => Promise<unknown>> = {
  Prepare: task('Prepare', PrepareInputSchema, prepare),
  EnsureSecurityGroup: task('EnsureSecurityGroup', EnsureSecurityGroupInputSchema, ensureSecurityGroup),
  MasterCredentials: task('MasterCredentials', MasterCredentialsInputSchema, ensureMasterCredentials),
  CheckMasterApplied: task('CheckMasterApplied', CheckMasterAppliedInputSchema, checkMasterApplied),
  ProvisionRole: task('ProvisionRole', ProvisionRoleInputSchema, provisionRole),
  Finalize: task('Finalize', FinalizeInputSchema, finalize),
  RunHook: task('RunHook', RunHookInputSchema, runHook),
  RecordFailure: task('RecordFailure', RecordFailureInputSchema, recordFailure),
  Notify: task('Notify', NotifyInputSchema, notify),
};

/** Each task bound to one set of dependencies: what the local workflow runner calls. */
export function localTaskHandlers(deps: WorkflowDeps): Record<TaskName, (input: unknown) => Promise<unknown>> {
  return Object.fromEntries(TASKS.map((name) => [name, (input: unknown) => TASK_IMPLEMENTATIONS[name](input, deps)])) as Record<TaskName, (input: unknown) => Promise<unknown>>;
}
