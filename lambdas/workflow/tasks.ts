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
import { parseInput } from './input.ts';

/** The Lambda tasks of the workflow, by name. The state machine (lib/workflow.ts) calls them. */
export const TASKS = ['Prepare', 'EnsureSecurityGroup', 'MasterCredentials', 'CheckMasterApplied', 'ProvisionRole', 'Finalize', 'RunHook', 'RecordFailure', 'Notify'] as const;
export type TaskName = (typeof TASKS)[number];

function task<S extends z.ZodType, R>(name: TaskName, schema: S, run: (input: z.infer<S>, deps: WorkflowDeps) => Promise<R>) {
  return (event: unknown, deps: WorkflowDeps): Promise<R> => run(parseInput(schema, event, name), deps);
}

/** What each task does with its input: parse it, then call core. Shared by the Lambda handlers and the local runtime. */
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
