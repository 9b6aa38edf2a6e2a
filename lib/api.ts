import { CfnElement, CfnOutput, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ApiEnvSchema } from '../lambdas/api/env.ts';
import type { WorkflowEnvInput } from '../lambdas/shared/env.ts';
import { ROUTES } from '../lambdas/api/router.ts';
import { grantPasswordEnvelopes, grantTableData } from './storage.ts';
import { TaskFunction } from './task-function.ts';

/** The credentials route as an execute-api resource path (method/path), any connection name. */
export const CREDENTIALS_INVOKE_PATH = 'GET/api/connections/*/credentials';

export interface ApiBackendProps {
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly stateMachine: sfn.IStateMachine;
  /** The workflow's environment: the API reads the same table, key and AWS settings. */
  readonly workflowEnvironment: WorkflowEnvInput;
}

export interface ApiHandlerProps extends ApiBackendProps {
  /** The Secrets Manager secrets the credentials route may read (ARN pattern under the deployment's prefix). */
  readonly roleSecretsArn: string;
  /** Vault's login, read by the credentials route for `vault` connections. @default no Vault */
  readonly vaultSecret?: secretsmanager.ISecret;
}

/**
 * The HTTP API: every route of lambdas/api/router.ts, IAM-authorized, with access logs. Exports three
 * managed policies to attach to people: admin (every route, credentials included), auditor (GET
 * routes except credentials) and credentials reader (only the credentials route).
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', { description: 'dbroles API', defaultAuthorizer: new HttpIamAuthorizer() });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const stage = this.httpApi.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        caller: '$context.identity.caller',
        user: '$context.identity.user',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
      }),
    };
  }

  /** The API's host name (the `hoop.dev/gateway` tag on security groups). */
  get hostName(): string {
    const stack = Stack.of(this);
    return `${this.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  /**
   * Adds the handler and its routes. Separate from the constructor because the handler needs the
   * state machine, whose tasks need the API's host name first.
   */
  addBackend(props: ApiHandlerProps): { handler: TaskFunction; adminPolicy: iam.ManagedPolicy; auditorPolicy: iam.ManagedPolicy; credentialsReaderPolicy: iam.ManagedPolicy } {
    ApiEnvSchema.parse({ STATE_MACHINE_ARN: props.stateMachine.stateMachineArn });
    const handler = new TaskFunction(this, 'Handler', {
      handlerFile: 'api/handler.ts',
      environment: props.workflowEnvironment,
      extraEnvironment: { STATE_MACHINE_ARN: props.stateMachine.stateMachineArn },
      timeout: Duration.seconds(29),
    });
    grantApiAccess(handler, props);
    // The credentials route reads role secrets: values only, and only under the deployment's prefix.
    handler.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadRoleSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [props.roleSecretsArn] }));
    props.vaultSecret?.grantRead(handler);
    const integration = new HttpLambdaIntegration('Integration', handler);
    for (const route of ROUTES) {
      this.httpApi.addRoutes({ path: route.path, methods: [route.method as apigw.HttpMethod], integration });
    }
    const stack = Stack.of(this);
    const invoke = (pattern: string) => `arn:${stack.partition}:execute-api:${stack.region}:${stack.account}:${this.httpApi.apiId}/*/${pattern}`;
    const adminPolicy = new iam.ManagedPolicy(this, 'AdminPolicy', {
      description: 'dbroles API: every route (create jobs, read jobs and connections)',
      statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [invoke('*/api/*')] })],
    });
    const auditorPolicy = new iam.ManagedPolicy(this, 'AuditorPolicy', {
      description: 'dbroles API: GET routes only (read jobs and connections), never the credentials route',
      statements: [
        new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [invoke('GET/api/*')] }),
        // GET/api/* also matches the credentials route and an IAM wildcard cannot subtract: deny it explicitly.
        new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['execute-api:Invoke'], resources: [invoke(CREDENTIALS_INVOKE_PATH)] }),
      ],
    });
    const credentialsReaderPolicy = new iam.ManagedPolicy(this, 'CredentialsReaderPolicy', {
      description: 'dbroles API: read the credentials of connections (GET /api/connections/{name}/credentials); every read is logged',
      statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [invoke(CREDENTIALS_INVOKE_PATH)] })],
    });
    // cdk-nag names a finding by its evidence: the resource with tokens shown as <...>.
    const shown = (value: string, token: string) => (Token.isUnresolved(value) ? `<${token}>` : value);
    const apiId = `<${stack.getLogicalId(this.httpApi.node.defaultChild as CfnElement)}>`;
    const evidence = (pattern: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${shown(stack.region, 'AWS::Region')}:${shown(stack.account, 'AWS::AccountId')}:${apiId}/*/${pattern}]`;
    Validations.of(adminPolicy).acknowledge({ id: evidence('*/api/*'), reason: 'The admin policy grants every route of this one API, any stage and method.' });
    Validations.of(auditorPolicy).acknowledge({ id: evidence('GET/api/*'), reason: 'The auditor policy grants the GET routes of this one API.' });
    Validations.of(credentialsReaderPolicy).acknowledge({
      id: evidence(CREDENTIALS_INVOKE_PATH),
      reason: 'The credentials route of this one API, for any connection name and stage.',
    });
    new CfnOutput(this, 'AdminPolicyArn', { value: adminPolicy.managedPolicyArn, exportName: `${stack.stackName}-ApiAdminPolicyArn` });
    new CfnOutput(this, 'AuditorPolicyArn', { value: auditorPolicy.managedPolicyArn, exportName: `${stack.stackName}-ApiAuditorPolicyArn` });
    new CfnOutput(this, 'CredentialsReaderPolicyArn', {
      value: credentialsReaderPolicy.managedPolicyArn,
      exportName: `${stack.stackName}-ApiCredentialsReaderPolicyArn`,
    });
    return { handler, adminPolicy, auditorPolicy, credentialsReaderPolicy };
  }
}

/**
 * What the API function and the triggers (which start jobs the same way) may do: the table and the
 * key, start executions, and discovery (the Organization's accounts; RDS in each member account
 * through its role; ec2:DescribeRegions for regions "all").
 */
export function grantApiAccess(fn: TaskFunction, props: ApiBackendProps): void {
  grantTableData(props.table, props.key, fn);
  // The stored AWS access keys and the master password a job is given are envelopes of the key.
  grantPasswordEnvelopes(props.key, fn);
  props.stateMachine.grantStartExecution(fn);
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ListAccounts', actions: ['organizations:ListAccounts'], resources: ['*'] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'DescribeDatabases', actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'ec2:DescribeRegions'], resources: ['*'] }));
  fn.addToRolePolicy(
    assumeMemberRole(Stack.of(fn).partition, props.workflowEnvironment.CROSS_ACCOUNT_ROLE_NAME ?? 'HoopOrganizationAccountAccessRole', props.workflowEnvironment.DBROLES_ORGANIZATION_ID),
  );

}

/** sts:AssumeRole on the member-account role; with an Organization, only on roles that belong to it (aws:ResourceOrgID). */
export function assumeMemberRole(partition: string, roleName: string, organizationId?: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AssumeMemberAccountRole',
    actions: ['sts:AssumeRole'],
    resources: [`arn:${partition}:iam::*:role/${roleName}`],
    ...(organizationId ? { conditions: { StringEquals: { 'aws:ResourceOrgID': organizationId } } } : {}),
  });
}
