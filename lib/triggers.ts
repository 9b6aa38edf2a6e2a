import { CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { TriggerEnvSchema } from '../lambdas/triggers/env.ts';
import { grantApiAccess, type ApiBackendProps } from './api.ts';
import { grantTableData } from './storage.ts';
import { TaskFunction } from './task-function.ts';

/** The RDS events that start a job: an instance or a cluster was created or restored. */
export const RDS_CREATION_PATTERN: events.EventPattern = {
  source: ['aws.rds'],
  detailType: ['RDS DB Instance Event', 'RDS DB Cluster Event'],
  detail: { EventCategories: ['creation', 'restoration'] },
};

export interface TriggersProps extends ApiBackendProps {
  /** When the reconcile runs. @default once a day */
  readonly schedule?: events.Schedule;
  /** The opt-in tag (value "true"). @default dbroles:auto-provision */
  readonly autoProvisionTag?: string;
  /** `verify`: the daily reconcile only reads back what each user holds, changing nothing. @default provision */
  readonly reconcileMode?: 'provision' | 'verify';
  /** When the reconcile also sets new passwords for every user. @default never */
  readonly rotationSchedule?: events.Schedule;
  /** The workflow's Notify function: the triggers that end abandoned jobs invoke it to send their webhook. */
  readonly notifyFunction: lambda.IFunction;
}

/**
 * Re-provisioning without clicks, through the same path as the API (job record, execution, webhook):
 * a schedule that reconciles every tagged database, and a rule on RDS creation/restoration events
 * (from this account's bus, where member accounts forward theirs).
 */
export class Triggers extends Construct {
  readonly reconcile: TaskFunction;
  readonly onRdsEvent: TaskFunction;
  readonly onExecutionEnded: TaskFunction;

  constructor(scope: Construct, id: string, props: TriggersProps) {
    super(scope, id);
    const extraEnvironment = {
      STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
      NOTIFY_FUNCTION_NAME: props.notifyFunction.functionName,
      ...(({ AUTO_PROVISION_TAG, RECONCILE_MODE }) => ({ AUTO_PROVISION_TAG, RECONCILE_MODE }))(TriggerEnvSchema.parse({ AUTO_PROVISION_TAG: props.autoProvisionTag, RECONCILE_MODE: props.reconcileMode })),
    };
    const make = (name: string, file: string, access: 'api' | 'table' = 'api') => {
      const fn = new TaskFunction(this, name, { handlerFile: file, environment: props.workflowEnvironment, extraEnvironment, timeout: Duration.minutes(10) });
      if (access === 'api') grantApiAccess(fn, props);
      else grantTableData(props.table, props.key, fn);
      return fn;
    };
    this.reconcile = make('Reconcile', 'triggers/reconcile.ts');
    // The sweep reads the status of executions of this one state machine.
    const stack = Stack.of(this);
    const machine = props.stateMachine as sfn.StateMachine;
    this.reconcile.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DescribeExecutions',
        actions: ['states:DescribeExecution'],
        resources: [`arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:${machine.stateMachineName}:*`],
      }),
    );
    const shown = (value: string, token: string) => (Token.isUnresolved(value) ? `<${token}>` : value);
    const machineId = stack.getLogicalId(machine.node.defaultChild as CfnElement);
    Validations.of(this.reconcile).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${shown(stack.region, 'AWS::Region')}:${shown(stack.account, 'AWS::AccountId')}:execution:<${machineId}.Name>:*]`,
      reason: 'Any execution of the one dbroles state machine: the sweep reads their status.',
    });
    this.onRdsEvent = make('OnRdsEvent', 'triggers/on-rds-event.ts');
    // An execution that failed, timed out or was aborted outside every Catch: its job is failed within a minute.
    // It only ends jobs, releases locks and hands them to Notify: the table, no direct use of the key.
    this.onExecutionEnded = make('OnExecutionEnded', 'triggers/on-execution-ended.ts', 'table');
    // They end abandoned jobs and hand each to Notify, which sends its webhook.
    for (const fn of [this.reconcile, this.onExecutionEnded]) props.notifyFunction.grantInvoke(fn);
    new events.Rule(this, 'ExecutionEnded', {
      description: 'dbroles: fail a job whose execution ended without recording it',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [props.stateMachine.stateMachineArn] },
      },
      targets: [new targets.LambdaFunction(this.onExecutionEnded, { retryAttempts: 4 })],
    });
    new events.Rule(this, 'Schedule', {
      description: 'dbroles: provision every database tagged for auto-provisioning',
      schedule: props.schedule ?? events.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(this.reconcile, { retryAttempts: 2 })],
    });
    if (props.rotationSchedule) {
      new events.Rule(this, 'RotationSchedule', {
        description: 'dbroles: new passwords for every user of every database tagged for auto-provisioning',
        schedule: props.rotationSchedule,
        targets: [new targets.LambdaFunction(this.reconcile, { retryAttempts: 2, event: events.RuleTargetInput.fromObject({ rotate_passwords: true }) })],
      });
    }
    new events.Rule(this, 'RdsCreated', {
      description: 'dbroles: provision a tagged RDS instance or cluster once it is created or restored',
      eventPattern: RDS_CREATION_PATTERN,
      targets: [new targets.LambdaFunction(this.onRdsEvent, { retryAttempts: 2 })],
    });
  }
}
