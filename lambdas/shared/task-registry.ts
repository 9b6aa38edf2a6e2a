import { ENGINE_FAMILY_NAMES, type EngineFamily } from '../core/engines/types.ts';

// THE list of workflow tasks and the functions that run them. It imports no step and no driver, so
// lib/ reads it at synth and the local runner maps the same names. Each handler file shows what its
// function calls; test/unit/task-registry.test.ts checks that every entry has its file, its export
// and its states.

/** The workflow's tasks, as the local runner and the tests call them. */
export const TASKS = ['Prepare', 'EnsureSecurityGroup', 'MasterCredentials', 'CheckMasterApplied', 'ProvisionRole', 'Finalize', 'RunHook', 'RecordFailure', 'Notify'] as const;
export type TaskName = (typeof TASKS)[number];

/** The tasks that log in to the database: one function per engine family, each with one driver. */
export const DATABASE_TASKS = ['MasterCredentials', 'CheckMasterApplied', 'ProvisionRole'] as const satisfies readonly TaskName[];
export type DatabaseTaskName = (typeof DATABASE_TASKS)[number];

export interface WorkflowFunctionSpec {
  readonly task: TaskName;
  /** For a database task: the engine family this function serves. */
  readonly family?: EngineFamily;
  /** The handler file, relative to lambdas/. */
  readonly entry: string;
  /** The handler's export in that file. */
  readonly exportName: string;
  /** The state machine's task states that invoke this function. */
  readonly states: readonly string[];
}

const FAMILY_SUFFIX: Record<EngineFamily, string> = { postgres: 'Postgres', mysql: 'Mysql', sqlserver: 'SqlServer' };

/** The state (and function) running a database task for a family, e.g. ProvisionRolePostgres. */
export const familyStateName = (task: DatabaseTaskName, family: EngineFamily): string => `${task}${FAMILY_SUFFIX[family]}`;

const single = (task: TaskName, file: string, states: readonly string[] = [task]): WorkflowFunctionSpec => ({ task, entry: `workflow/${file}`, exportName: 'handler', states });

/** Every workflow function by name (the CDK construct id), with its task, handler and states. */
export const WORKFLOW_FUNCTIONS: Readonly<Record<string, WorkflowFunctionSpec>> = {
  Prepare: single('Prepare', 'prepare.ts'),
  EnsureSecurityGroup: single('EnsureSecurityGroup', 'ensure-security-group.ts'),
  ...Object.fromEntries(
    DATABASE_TASKS.flatMap((task) =>
      ENGINE_FAMILY_NAMES.map((family): [string, WorkflowFunctionSpec] => [
        familyStateName(task, family),
        { task, family, entry: `workflow/${family}.ts`, exportName: task.charAt(0).toLowerCase() + task.slice(1), states: [familyStateName(task, family)] },
      ]),
    ),
  ),
  Finalize: single('Finalize', 'finalize.ts'),
  RunHook: single('RunHook', 'run-hook.ts'),
  RecordFailure: single('RecordFailure', 'record-failure.ts'),
  Notify: single('Notify', 'notify.ts', ['Notify', 'NotifyFailure']),
};

export type WorkflowFunctionName = keyof typeof WORKFLOW_FUNCTIONS & string;

/** Each task state of the state machine → the task it runs (the local runner's map). */
export const TASK_STATES: Readonly<Record<string, TaskName>> = Object.fromEntries(
  Object.values(WORKFLOW_FUNCTIONS).flatMap((fn) => fn.states.map((state) => [state, fn.task])),
);
