import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NON_RETRYABLE_ERRORS } from '../lambdas/core/errors.ts';
import { TASKS, type TaskName } from '../lambdas/workflow/tasks.ts';

export { TASKS, type TaskName };
export type WorkflowFunctions = Record<TaskName, lambda.IFunction>;

/** Task state names that run each function: the local runner maps every one of them. */
export const TASK_STATES: Record<string, TaskName> = {
  Prepare: 'Prepare',
  EnsureSecurityGroup: 'EnsureSecurityGroup',
  MasterCredentials: 'MasterCredentials',
  CheckMasterApplied: 'CheckMasterApplied',
  ProvisionRole: 'ProvisionRole',
  Finalize: 'Finalize',
  RunHook: 'RunHook',
  RecordFailure: 'RecordFailure',
  Notify: 'Notify',
  NotifyFailure: 'Notify',
};

export interface WorkflowOptions {
  /** Seconds between checks that the new master password logs in. @default 10 */
  readonly masterCheckIntervalSeconds?: number;
}

/**
 * THE dbroles state machine, in JSONPath (aws-local-stepfunctions runs the same definition).
 * States, in order:
 *   Init → Prepare → SecurityGroupRequested? → [EnsureSecurityGroup] → MasterCredentials →
 *   MasterApplied? ⇄ (WaitMasterApplied → CheckMasterApplied) → ProvisionRoles (Map of ProvisionRole,
 *   maxConcurrency 3, a failed item becomes RoleFailed) → Finalize → RunHook → Notify → Done.
 * Every task outside the Map catches into RecordFailure → NotifyFailure → JobFailed, so a job is never
 * left running. Each result goes under `$.steps.<name>`: the input is never overwritten.
 */
export function defineWorkflow(scope: Construct, fns: WorkflowFunctions, options: WorkflowOptions = {}): sfn.IChainable {
  const task = (id: string, fn: TaskName, payload: Record<string, unknown>, resultPath?: string) => {
    const t = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fns[fn],
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject(payload),
      resultPath,
    });
    // Decisions (a refused database, a held lock) are not retried; accidents are, since every step is idempotent.
    t.addRetry({ errors: [...NON_RETRYABLE_ERRORS], maxAttempts: 0 });
    t.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 2, interval: Duration.seconds(2), backoffRate: 2 });
    return t;
  };
  const jobId = { 'job_id.$': '$.job_id' };
  const target = { 'target.$': '$.steps.prepare.target' };

  const init = new sfn.Pass(scope, 'Init', { result: sfn.Result.fromObject({}), resultPath: '$.steps' });
  const prepare = task('Prepare', 'Prepare', jobId, '$.steps.prepare');
  const ensureSecurityGroup = task(
    'EnsureSecurityGroup',
    'EnsureSecurityGroup',
    { ...jobId, ...target, 'cidr.$': '$.steps.prepare.security_group_cidr' },
    '$.steps.ensureSecurityGroup',
  );
  const masterCredentials = task(
    'MasterCredentials',
    'MasterCredentials',
    {
      ...jobId,
      ...target,
      security_groups: { 'attach.$': '$.steps.ensureSecurityGroup.attach', 'security_group_ids.$': '$.steps.ensureSecurityGroup.security_group_ids' },
    },
    '$.steps.master',
  );
  const noSecurityGroup = new sfn.Pass(scope, 'NoSecurityGroup', {
    result: sfn.Result.fromObject({ attach: false, security_group_ids: [] }),
    resultPath: '$.steps.ensureSecurityGroup',
  });
  const waitMasterApplied = new sfn.Wait(scope, 'WaitMasterApplied', {
    time: sfn.WaitTime.duration(Duration.seconds(options.masterCheckIntervalSeconds ?? 10)),
  });
  const checkMasterApplied = task('CheckMasterApplied', 'CheckMasterApplied', { ...jobId, ...target, 'master.$': '$.steps.master' }, '$.steps.master');

  // No ResultPath: the item's output is the role result (aws-local-stepfunctions mishandles an explicit "$").
  const provisionRole = task('ProvisionRole', 'ProvisionRole', { 'job_id.$': '$.job_id', 'tier.$': '$.tier', 'target.$': '$.target' });
  const roleFailed = new sfn.Pass(scope, 'RoleFailed', {
    parameters: {
      'user_role.$': "States.Format('hoop_{}', $.tier)",
      'role_suffix_name.$': '$.tier',
      status: 'failed',
      'message.$': "States.Format('provisioning the {} user did not finish: {}', $.tier, $.error.Error)",
      credentials_info: null,
      // Finalize stamps the time: $$.State.EnteredTime is not available to the local runner.
      completed_at: '',
    },
  });
  provisionRole.addCatch(roleFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  const provisionRoles = new sfn.Map(scope, 'ProvisionRoles', {
    itemsPath: '$.steps.prepare.tiers',
    maxConcurrency: 3,
    itemSelector: { 'job_id.$': '$.job_id', 'tier.$': '$$.Map.Item.Value', 'target.$': '$.steps.prepare.target' },
    resultPath: '$.steps.provisionRoles',
  });
  provisionRoles.itemProcessor(provisionRole);

  const finalize = task('Finalize', 'Finalize', { ...jobId, ...target, 'results.$': '$.steps.provisionRoles' }, '$.steps.finalize');
  const runHook = task('RunHook', 'RunHook', { ...jobId, ...target }, '$.steps.runHook');
  const notify = task('Notify', 'Notify', jobId, '$.steps.notify');

  const recordFailure = task('RecordFailure', 'RecordFailure', { ...jobId, 'error.$': '$.error', 'steps.$': '$.steps' }, '$.steps.recordFailure');
  const notifyFailure = task('NotifyFailure', 'Notify', jobId, '$.steps.notify');
  const jobFailed = new sfn.Fail(scope, 'JobFailed', { error: 'JobFailed', cause: 'the job failed; its record holds the reason' });
  recordFailure.addCatch(notifyFailure, { errors: [sfn.Errors.ALL], resultPath: '$.recordFailureError' });
  notifyFailure.addCatch(jobFailed, { errors: [sfn.Errors.ALL], resultPath: '$.notifyError' });
  recordFailure.next(notifyFailure);
  notifyFailure.next(jobFailed);
  for (const t of [prepare, ensureSecurityGroup, masterCredentials, checkMasterApplied, provisionRoles, finalize]) {
    t.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  }
  notify.addCatch(new sfn.Succeed(scope, 'DoneWithoutWebhook'), { errors: [sfn.Errors.ALL], resultPath: '$.notifyError' });
  // A hook that cannot run never fails the job: its outcome is on the job, and Notify still runs.
  runHook.addCatch(notify, { errors: [sfn.Errors.ALL], resultPath: '$.runHookError' });

  const masterApplied = new sfn.Choice(scope, 'MasterApplied?')
    .when(
      sfn.Condition.booleanEquals('$.steps.master.applied', true),
      provisionRoles.next(finalize).next(runHook).next(notify).next(new sfn.Succeed(scope, 'Done')),
    )
    .otherwise(waitMasterApplied.next(checkMasterApplied));
  checkMasterApplied.next(masterApplied);
  masterCredentials.next(masterApplied);

  // not(isNull) rather than isNotNull: aws-local-stepfunctions 3.0.0 reads {"IsNull": false} as always false.
  const securityGroupRequested = new sfn.Choice(scope, 'SecurityGroupRequested?')
    .when(sfn.Condition.not(sfn.Condition.isNull('$.steps.prepare.security_group_cidr')), ensureSecurityGroup.next(masterCredentials))
    .otherwise(noSecurityGroup.next(masterCredentials));

  return init.next(prepare).next(securityGroupRequested);
}

export interface WorkflowProps {
  readonly functions: WorkflowFunctions;
  /** @default 10 seconds between master password checks */
  readonly masterCheckIntervalSeconds?: number;
}

/** The Standard state machine, with every event logged (no execution data: it is job ids only) and X-Ray. */
export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(defineWorkflow(this, props.functions, props)),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
  }
}

/**
 * The definition as Amazon States Language, for the local runner: the same builder in a
 * throw-away stack whose functions are placeholders (the runner maps task states to local code).
 */
export function renderWorkflowAsl(options: WorkflowOptions = {}): Record<string, unknown> {
  const stack = new Stack(new App(), 'LocalWorkflow', { env: { account: '000000000000', region: 'us-east-1' } });
  const fns = Object.fromEntries(
    TASKS.map((name) => [name, lambda.Function.fromFunctionArn(stack, `${name}Fn`, `arn:aws:lambda:us-east-1:000000000000:function:dbroles-${name}`)]),
  ) as WorkflowFunctions;
  const chain = defineWorkflow(stack, fns, options);
  return stack.resolve(new sfn.StateGraph(chain.startState, 'dbroles').toGraphJson()) as Record<string, unknown>;
}
