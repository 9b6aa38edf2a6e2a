import type { Context } from 'aws-lambda';
import { ENGINE_FAMILIES, type EngineName } from '../lambdas/core/engines/types.ts';
import * as mysql from '../lambdas/workflow/mysql.ts';
import * as postgres from '../lambdas/workflow/postgres.ts';
import * as sqlserver from '../lambdas/workflow/sqlserver.ts';
import { handler as ensureSecurityGroup } from '../lambdas/workflow/ensure-security-group.ts';
import { handler as finalize } from '../lambdas/workflow/finalize.ts';
import { handler as notify } from '../lambdas/workflow/notify.ts';
import { handler as prepare } from '../lambdas/workflow/prepare.ts';
import { handler as recordFailure } from '../lambdas/workflow/record-failure.ts';
import { handler as runHook } from '../lambdas/workflow/run-hook.ts';
import type { TaskHandlers } from './workflow-runner.ts';

/** What a Lambda handler is given besides its event; enough for middy and Powertools. */
function lambdaContext(functionName: string): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;
const call = (name: string, handler: LambdaHandler) => (input: unknown) => handler(input, lambdaContext(name));

const FAMILY_MODULES = { postgres, mysql, sqlserver };
/** A database task: the function of the input's engine family, as the state machine's EngineFamily? choice picks it. */
const byFamily = (task: 'masterCredentials' | 'checkMasterApplied' | 'provisionRole') => (input: unknown) => {
  const family = ENGINE_FAMILIES[(input as { target: { engine: EngineName } }).target.engine];
  return call(`${task}-${family}`, FAMILY_MODULES[family][task])(input);
};

/** The deployed task handlers themselves (lambdas/workflow), configured by process.env as on Lambda. */
export const lambdaTaskHandlers: TaskHandlers = {
  Prepare: call('Prepare', prepare),
  EnsureSecurityGroup: call('EnsureSecurityGroup', ensureSecurityGroup),
  MasterCredentials: byFamily('masterCredentials'),
  CheckMasterApplied: byFamily('checkMasterApplied'),
  ProvisionRole: byFamily('provisionRole'),
  Finalize: call('Finalize', finalize),
  RunHook: call('RunHook', runHook),
  RecordFailure: call('RecordFailure', recordFailure),
  Notify: call('Notify', notify),
};
