import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENGINE_FAMILY_NAMES } from '../lambdas/core/engines/types.ts';
import { NON_RETRYABLE_ERRORS } from '../lambdas/core/errors.ts';
import { familyStateName, WORKFLOW_FUNCTIONS, type WorkflowFunctionName } from '../lambdas/shared/task-registry.ts';

export type WorkflowFunctions = Record<WorkflowFunctionName, lambda.IFunction>;

/** The states that wait for a new master password to be applied, one per engine family. */
export const WAIT_MASTER_APPLIED_PREFIX = 'WaitMasterApplied';

export interface WorkflowOptions {
  /** Seconds between checks that the new master password logs in. @default 10 */
  readonly masterCheckIntervalSeconds?: number;
}

/**
 * THE dbroles state machine, in JSONPath (aws-local-stepfunctions runs the same definition).
 * States, in order:
 *   Init → Prepare → SecurityGroupRequested? → [EnsureSecurityGroup] → EngineFamily? →
 *   MasterCredentials<Family> → MasterApplied<Family>? ⇄ (WaitMasterApplied<Family> →
 *   CheckMasterApplied<Family>) → ProvisionRoles<Family> (Map of ProvisionRole<Family>,
 *   maxConcurrency 3, a failed item becomes RoleFailed<Family>) → Finalize → RunHook → Notify → Done.
 * The tasks that log in to the database run in one function per engine family (Postgres, Mysql,
 * SqlServer), so each bundles one driver; Prepare names the family. Every task outside the Map
 * catches into RecordFailure → NotifyFailure → JobFailed, so a job is never left running. Each
 * result goes under `$.steps.<name>`: the input is never overwritten.
 */
export function defineWorkflow(scope: Construct, fns: WorkflowFunctions, options: WorkflowOptions = {}): sfn.IChainable {
  const task = (id: string, payload: Record<string, unknown>, resultPath?: string) => {
    const fn = Object.entries(WORKFLOW_FUNCTIONS).find(([, spec]) => spec.states.includes(id))?.[0];
    if (!fn || !fns[fn]) throw new Error(`no function in the task registry runs state ${id}`);
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
  const prepare = task('Prepare', jobId, '$.steps.prepare');
  const ensureSecurityGroup = task('EnsureSecurityGroup', { ...jobId, ...target, 'cidr.$': '$.steps.prepare.security_group_cidr' }, '$.steps.ensureSecurityGroup');
  const noSecurityGroup = new sfn.Pass(scope, 'NoSecurityGroup', {
    result: sfn.Result.fromObject({ attach: false, security_group_ids: [] }),
    resultPath: '$.steps.ensureSecurityGroup',
  });

  const finalize = task('Finalize', { ...jobId, ...target, 'results.$': '$.steps.provisionRoles' }, '$.steps.finalize');
  const runHook = task('RunHook', { ...jobId, ...target }, '$.steps.runHook');
  const notify = task('Notify', jobId, '$.steps.notify');

  const recordFailure = task('RecordFailure', { ...jobId, 'error.$': '$.error', 'steps.$': '$.steps' }, '$.steps.recordFailure');
  const notifyFailure = task('NotifyFailure', jobId, '$.steps.notify');
  const jobFailed = new sfn.Fail(scope, 'JobFailed', { error: 'JobFailed', cause: 'the job failed; its record holds the reason' });
  recordFailure.addCatch(notifyFailure, { errors: [sfn.Errors.ALL], resultPath: '$.recordFailureError' });
  notifyFailure.addCatch(jobFailed, { errors: [sfn.Errors.ALL], resultPath: '$.notifyError' });
  recordFailure.next(notifyFailure);
  notifyFailure.next(jobFailed);
  for (const t of [prepare, ensureSecurityGroup, finalize]) t.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  notify.addCatch(new sfn.Succeed(scope, 'DoneWithoutWebhook'), { errors: [sfn.Errors.ALL], resultPath: '$.notifyError' });
  // A hook that cannot run never fails the job: its outcome is on the job, and Notify still runs.
  runHook.addCatch(notify, { errors: [sfn.Errors.ALL], resultPath: '$.runHookError' });
  finalize.next(runHook).next(notify).next(new sfn.Succeed(scope, 'Done'));

  // The database tasks, once per engine family: Prepare's engine_family picks the branch.
  const engineFamily = new sfn.Choice(scope, 'EngineFamily?');
  for (const family of ENGINE_FAMILY_NAMES) {
    const suffix = familyStateName('ProvisionRole', family).slice('ProvisionRole'.length);
    const masterCredentials = task(
      familyStateName('MasterCredentials', family),
      {
        ...jobId,
        ...target,
        security_groups: { 'attach.$': '$.steps.ensureSecurityGroup.attach', 'security_group_ids.$': '$.steps.ensureSecurityGroup.security_group_ids' },
      },
      '$.steps.master',
    );
    const waitMasterApplied = new sfn.Wait(scope, `${WAIT_MASTER_APPLIED_PREFIX}${suffix}`, {
      time: sfn.WaitTime.duration(Duration.seconds(options.masterCheckIntervalSeconds ?? 10)),
    });
    const checkMasterApplied = task(familyStateName('CheckMasterApplied', family), { ...jobId, ...target, 'master.$': '$.steps.master' }, '$.steps.master');

    // No ResultPath: the item's output is the role result (aws-local-stepfunctions mishandles an explicit "$").
    const provisionRole = task(familyStateName('ProvisionRole', family), { 'job_id.$': '$.job_id', 'tier.$': '$.tier', 'target.$': '$.target' });
    const roleFailed = new sfn.Pass(scope, `RoleFailed${suffix}`, {
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
    const provisionRoles = new sfn.Map(scope, `ProvisionRoles${suffix}`, {
      itemsPath: '$.steps.prepare.tiers',
      maxConcurrency: 3,
      itemSelector: { 'job_id.$': '$.job_id', 'tier.$': '$$.Map.Item.Value', 'target.$': '$.steps.prepare.target' },
      resultPath: '$.steps.provisionRoles',
    });
    provisionRoles.itemProcessor(provisionRole);
    for (const t of [masterCredentials, checkMasterApplied, provisionRoles]) t.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const masterApplied = new sfn.Choice(scope, `MasterApplied${suffix}?`)
      .when(sfn.Condition.booleanEquals('$.steps.master.applied', true), provisionRoles.next(finalize))
      .otherwise(waitMasterApplied.next(checkMasterApplied));
    checkMasterApplied.next(masterApplied);
    masterCredentials.next(masterApplied);
    engineFamily.when(sfn.Condition.stringEquals('$.steps.prepare.engine_family', family), masterCredentials);
  }
  engineFamily.otherwise(
    new sfn.Pass(scope, 'UnknownEngineFamily', {
      result: sfn.Result.fromObject({ Error: 'DbrolesError', Cause: 'Prepare named no engine family this state machine serves' }),
      resultPath: '$.error',
    }).next(recordFailure),
  );

  // not(isNull) rather than isNotNull: aws-local-stepfunctions 3.0.0 reads {"IsNull": false} as always false.
  const securityGroupRequested = new sfn.Choice(scope, 'SecurityGroupRequested?')
    .when(sfn.Condition.not(sfn.Condition.isNull('$.steps.prepare.security_group_cidr')), ensureSecurityGroup.next(engineFamily))
    .otherwise(noSecurityGroup.next(engineFamily));

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
    Object.keys(WORKFLOW_FUNCTIONS).map((name) => [name, lambda.Function.fromFunctionArn(stack, `${name}Fn`, `arn:aws:lambda:us-east-1:000000000000:function:dbroles-${name}`)]),
  ) as WorkflowFunctions;
  const chain = defineWorkflow(stack, fns, options);
  return stack.resolve(new sfn.StateGraph(chain.startState, 'dbroles').toGraphJson()) as Record<string, unknown>;
}
