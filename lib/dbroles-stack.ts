import { CfnElement, CfnOutput, Duration, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { fileURLToPath } from 'node:url';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_CROSS_ACCOUNT_ROLE_NAME } from '../lambdas/core/aws/access.ts';
import { WorkflowEnvSchema, type WorkflowEnvInput } from '../lambdas/shared/env.ts';
import { Api, assumeMemberRole } from './api.ts';
import * as events from 'aws-cdk-lib/aws-events';
import { grantPasswordEnvelopes, grantTableData, Storage } from './storage.ts';
import { Triggers } from './triggers.ts';
import { addDbConnectPolicies, managedMasterSecretStatements } from './member-account-stack.ts';
import { TaskFunction } from './task-function.ts';
import { WORKFLOW_FUNCTIONS, type TaskName, type WorkflowFunctionName } from '../lambdas/shared/task-registry.ts';
import { Workflow } from './workflow.ts';
import { WebConsole } from './web-console.ts';

export interface DbrolesStackProps extends StackProps {
  /** Role assumed in member accounts. @default HoopOrganizationAccountAccessRole */
  readonly crossAccountRoleName?: string;
  /** ExternalId the member-account role requires. @default none */
  readonly crossAccountExternalId?: string;
  /** org_id written into jobs and used as the Svix application uid. @default 'default' */
  readonly orgId?: string;
  /** Secrets Manager secret (ARN) holding SVIX_API_KEY. @default no webhook (recorded on each job) */
  readonly svixApiKeySecretArn?: string;
  /** A self-hosted Svix. @default Svix's own service */
  readonly svixServerUrl?: string;
  /** Run the tasks inside a VPC to reach private databases: all three are needed. @default no VPC */
  readonly vpc?: { readonly vpcId: string; readonly subnetIds: string[]; readonly securityGroupIds: string[] };
  /** Value of the `hoop.dev/gateway` tag on security groups. @default the HTTP API's host name */
  readonly gatewayHost?: string;
  /** When the reconcile of tagged databases runs (an EventBridge expression). @default rate(1 day) */
  readonly reconcileSchedule?: string;
  /** The tag that opts a database into auto-provisioning (value "true"). @default dbroles:auto-provision */
  readonly autoProvisionTag?: string;
  /**
   * `never`: no job resets an RDS master password; a database needs an RDS-managed master secret, a
   * stored master that logs in, or `aws.master_password` given once. A job's `master_reset` overrides it. @default if-needed
   */
  readonly masterReset?: 'never' | 'if-needed';
  /** `verify`: the daily reconcile only reads back what each user holds (verify_only jobs), so drift shows without any change. @default provision */
  readonly reconcileMode?: 'provision' | 'verify';
  /** The Organization (o-...) whose accounts may forward RDS events to this account's bus. @default none */
  readonly organizationId?: string;
  /** Use the Lambda role when no access keys were set through the API. @default true */
  readonly instanceRoleAllowed?: boolean;
  /** Regions discovery scans by default (or ["all"]). @default the stack's region */
  readonly discoveryRegions?: string[];
  /** Seconds between checks of a new master password. @default 10 */
  readonly masterCheckIntervalSeconds?: number;
  /** The only name prefix dbroles may create and write Secrets Manager secrets under. @default dbroles/ */
  readonly secretNamePrefix?: string;
  /** HashiCorp Vault's address, for jobs with `vault_provider`. @default none: such jobs are refused */
  readonly vaultAddr?: string;
  /** Secrets Manager secret (ARN) holding {"VAULT_TOKEN"} or {"VAULT_APP_ROLE_ID","VAULT_APP_ROLE_SECRET_ID"}. Needed with vaultAddr. */
  readonly vaultCredentialsSecretArn?: string;
  /** When every tagged database gets new passwords (an EventBridge expression, e.g. rate(30 days)). @default never: passwords are kept */
  readonly rotationSchedule?: string;
  /** HTTPS git repository holding hoop-hooks/aws-connect-post-exec.runbook.py. @default no runbook hook */
  readonly runbooksGitUrl?: string;
  /** Its branch. @default the repository's default branch */
  readonly runbooksGitBranch?: string;
  /** Secrets Manager secret (ARN) whose value is a token for that repository. @default no token */
  readonly runbooksGitTokenSecretArn?: string;
  /** Seconds the hook may run before it is killed. @default 60 */
  readonly hookTimeoutSeconds?: number;
  /**
   * The web console behind CloudFront, with Cognito sign-in (`-c webUi=true`). `assetsDir` is the
   * built console. @default no web console
   */
  readonly webUi?: { readonly assetsDir?: string; readonly domainPrefix?: string };
}


/** dbroles as users deploy it: storage, the task functions, the state machine and the HTTP API. */
export class DbrolesStack extends Stack {
  readonly storage: Storage;
  readonly workflow: Workflow;
  readonly api: Api;
  readonly webConsole?: WebConsole;

  constructor(scope: Construct, id: string, props: DbrolesStackProps = {}) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage');
    this.api = new Api(this, 'Api');
    const roleName = props.crossAccountRoleName ?? DEFAULT_CROSS_ACCOUNT_ROLE_NAME;
    const svixSecret = props.svixApiKeySecretArn ? secretsmanager.Secret.fromSecretCompleteArn(this, 'SvixApiKey', props.svixApiKeySecretArn) : undefined;
    const environment: WorkflowEnvInput = {
      DBROLES_TABLE: this.storage.table.tableName,
      CREDENTIALS_KMS_KEY_ID: this.storage.key.keyArn,
      DBROLES_ORG_ID: props.orgId,
      DBROLES_GATEWAY_HOST: props.gatewayHost ?? this.api.hostName,
      CROSS_ACCOUNT_ROLE_NAME: roleName,
      CROSS_ACCOUNT_EXTERNAL_ID: props.crossAccountExternalId,
      SVIX_API_KEY_SECRET_ARN: props.svixApiKeySecretArn,
      SVIX_SERVER_URL: props.svixServerUrl,
      DB_TLS: 'verify',
      DBROLES_MASTER_RESET: props.masterReset,
      INTEGRATION_AWS_INSTANCE_ROLE_ALLOW: props.instanceRoleAllowed === false ? 'false' : 'true',
      DISCOVERY_REGIONS: props.discoveryRegions?.join(','),
      DBROLES_ORGANIZATION_ID: props.organizationId,
      SECRETS_MANAGER_ENABLED: 'true',
      SECRETS_MANAGER_NAME_PREFIX: props.secretNamePrefix,
      VAULT_ADDR: props.vaultAddr,
      VAULT_CREDENTIALS_SECRET_ARN: props.vaultCredentialsSecretArn,
      DBROLES_RUNBOOKS_GIT_URL: props.runbooksGitUrl,
      DBROLES_RUNBOOKS_GIT_BRANCH: props.runbooksGitBranch,
      DBROLES_RUNBOOKS_GIT_TOKEN_SECRET_ARN: props.runbooksGitTokenSecretArn,
      DBROLES_HOOK_TIMEOUT_SECONDS: props.hookTimeoutSeconds,
    };
    const hookTimeoutSeconds = WorkflowEnvSchema.shape.DBROLES_HOOK_TIMEOUT_SECONDS.parse(props.hookTimeoutSeconds);
    if (props.vaultAddr && !props.vaultCredentialsSecretArn) throw new Error('vaultAddr needs vaultCredentialsSecretArn: the Secrets Manager secret holding the Vault token or AppRole');
    const secretNamePrefix = WorkflowEnvSchema.shape.SECRETS_MANAGER_NAME_PREFIX.parse(props.secretNamePrefix);
    const roleSecrets = `arn:${this.partition}:secretsmanager:${this.region}:${this.account}:secret:${secretNamePrefix}*`;
    const vaultSecret = props.vaultCredentialsSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'VaultCredentials', props.vaultCredentialsSecretArn)
      : undefined;
    const vpc = props.vpc && {
      vpc: ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpc.vpcId, availabilityZones: this.availabilityZones }),
      subnets: { subnets: props.vpc.subnetIds.map((s, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, s)) },
      securityGroups: props.vpc.securityGroupIds.map((g, i) => ec2.SecurityGroup.fromSecurityGroupId(this, `TaskSg${i}`, g)),
    };
    // The hook runs in its own small Python function: the script gets python3 and nothing of dbroles.
    const hookRunner = new lambda.Function(this, 'HookRunnerFunction', {
      runtime: lambda.Runtime.PYTHON_3_13,
      architecture: lambda.Architecture.ARM_64,
      handler: 'handler.handler',
      code: lambda.Code.fromAsset(fileURLToPath(new URL('../lambdas/hook-runner', import.meta.url)), { exclude: ['test_*.py', '__pycache__'] }),
      timeout: Duration.seconds(hookTimeoutSeconds + 30),
      memorySize: 512,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: new logs.LogGroup(this, 'HookRunnerFunctionLogs', { retention: logs.RetentionDays.THREE_MONTHS }),
      vpc: vpc?.vpc,
      vpcSubnets: vpc?.subnets,
      securityGroups: vpc?.securityGroups,
    });
    const timeouts: Partial<Record<TaskName, Duration>> = { ProvisionRole: Duration.minutes(15), RunHook: Duration.seconds(hookTimeoutSeconds + 90) };
    // One function per entry of the task registry: the database tasks once per engine family.
    const fns = Object.fromEntries(
      Object.entries(WORKFLOW_FUNCTIONS).map(([name, spec]) => [
        name,
        new TaskFunction(this, `${name}Function`, {
          handlerFile: spec.entry,
          exportName: spec.exportName,
          environment,
          extraEnvironment: spec.task === 'RunHook' ? { HOOK_RUNNER_FUNCTION_NAME: hookRunner.functionName } : undefined,
          vpc,
          timeout: timeouts[spec.task] ?? Duration.minutes(2),
        }),
      ]),
    ) as Record<WorkflowFunctionName, TaskFunction>;
    /** The functions running a task: one, or one per engine family. */
    const of = (task: TaskName) => Object.entries(WORKFLOW_FUNCTIONS).filter(([, spec]) => spec.task === task).map(([name]) => fns[name] as TaskFunction);
    const [runHookFunction] = of('RunHook');
    if (!runHookFunction) throw new Error('the task registry has no RunHook function');
    hookRunner.grantInvoke(runHookFunction);

    for (const fn of Object.values(fns)) grantTableData(this.storage.table, this.storage.key, fn);
    // Direct use of the key only where a password envelope or the stored AWS keys are read or written.
    const envelopes: TaskName[] = ['Prepare', 'EnsureSecurityGroup', 'MasterCredentials', 'CheckMasterApplied', 'ProvisionRole', 'RunHook', 'RecordFailure'];
    for (const fn of envelopes.flatMap(of)) grantPasswordEnvelopes(this.storage.key, fn);
    const allow = (names: TaskName[], sid: string, actions: string[], resources: string[]) => {
      for (const fn of names.flatMap(of)) fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources }));
    };
    // Target databases live in any account and region of the Organization, so RDS and EC2 actions
    // cannot name their resources; the actions are the seed's HoopAWSConnect list.
    allow(['Prepare', 'CheckMasterApplied'], 'DescribeDatabases', ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], ['*']);
    allow(['MasterCredentials', 'EnsureSecurityGroup'], 'ModifyDatabases', ['rds:ModifyDBInstance', 'rds:ModifyDBCluster'], ['*']);
    allow(
      ['EnsureSecurityGroup'],
      'ManageSecurityGroups',
      ['ec2:DescribeSecurityGroups', 'ec2:CreateSecurityGroup', 'ec2:CreateTags', 'ec2:AuthorizeSecurityGroupIngress'],
      ['*'],
    );
    // An RDS-managed master secret in dbroles' own account is read without AssumeRole: the tasks that log in as the master (and RunHook, which hands it to the hook).
    for (const fn of (['MasterCredentials', 'CheckMasterApplied', 'ProvisionRole', 'RunHook'] as const).flatMap(of)) {
      for (const statement of managedMasterSecretStatements(this.partition)) fn.addToRolePolicy(statement);
    }
    for (const fn of (['Prepare', 'EnsureSecurityGroup', 'MasterCredentials', 'CheckMasterApplied', 'ProvisionRole', 'RunHook'] as const).flatMap(of)) {
      fn.addToRolePolicy(assumeMemberRole(this.partition, roleName, props.organizationId));
    }
    // With an Organization, Prepare refuses a database in an account outside it.
    if (props.organizationId) allow(['Prepare'], 'ListAccounts', ['organizations:ListAccounts'], ['*']);
    if (svixSecret) for (const fn of of('Notify')) svixSecret.grantRead(fn);
    // Role credentials in Secrets Manager: created and updated (never deleted), and only under the prefix.
    allow(
      ['ProvisionRole'],
      'RoleSecrets',
      ['secretsmanager:CreateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:TagResource'],
      [roleSecrets],
    );
    // The hook reads the users' credentials back from whichever store the job chose.
    allow(['RunHook'], 'ReadRoleSecrets', ['secretsmanager:GetSecretValue'], [roleSecrets]);
    if (vaultSecret) for (const fn of (['ProvisionRole', 'RunHook'] as const).flatMap(of)) vaultSecret.grantRead(fn);
    if (props.runbooksGitTokenSecretArn) secretsmanager.Secret.fromSecretCompleteArn(this, 'RunbooksGitToken', props.runbooksGitTokenSecretArn).grantRead(runHookFunction);

    this.workflow = new Workflow(this, 'Workflow', {
      functions: fns,
      masterCheckIntervalSeconds: props.masterCheckIntervalSeconds,
    });

    const backendProps = { table: this.storage.table, key: this.storage.key, stateMachine: this.workflow.stateMachine, workflowEnvironment: environment };
    const backend = this.api.addBackend({ ...backendProps, roleSecretsArn: roleSecrets, vaultSecret });
    const triggers = new Triggers(this, 'Triggers', {
      ...backendProps,
      schedule: props.reconcileSchedule ? events.Schedule.expression(props.reconcileSchedule) : undefined,
      rotationSchedule: props.rotationSchedule ? events.Schedule.expression(props.rotationSchedule) : undefined,
      notifyFunction: of('Notify')[0] as TaskFunction,
      autoProvisionTag: props.autoProvisionTag,
      reconcileMode: props.reconcileMode,
    });
    if (props.organizationId) {
      // Member accounts forward their RDS events here.
      new events.CfnEventBusPolicy(this, 'OrganizationEvents', {
        statementId: 'dbroles-organization-rds-events',
        statement: {
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: `arn:${this.partition}:events:${this.region}:${this.account}:event-bus/default`,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
        },
      });
    }

    // IAM-authenticated users of databases in this account.
    addDbConnectPolicies(this);
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint });
    if (props.webUi) {
      this.webConsole = new WebConsole(this, 'WebConsole', {
        httpApi: this.api.httpApi,
        adminPolicy: backend.adminPolicy,
        auditorPolicy: backend.auditorPolicy,
        assetsDir: props.webUi.assetsDir ?? fileURLToPath(new URL('../web/dist/', import.meta.url)),
        domainPrefix: props.webUi.domainPrefix,
      });
    }
    this.acknowledgeNagFindings([...Object.values(fns), backend.handler, triggers.reconcile, triggers.onRdsEvent, triggers.onExecutionEnded], roleName, secretNamePrefix);
    Validations.of(runHookFunction).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(hookRunner.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: 'RunHook invokes the one hook runner function by any version (the CDK grantInvoke).',
    });
  }

  /**
   * Each cdk-nag finding that stays, acknowledged by its exact id (cdk-nag matches the evidence),
   * with the reason it is right here.
   */
  private acknowledgeNagFindings(functions: Construct[], roleName: string, secretNamePrefix: string): void {
    const logicalId = (construct: Construct) => this.getLogicalId(construct.node.defaultChild as CfnElement);
    const shown = (value: string, token: string) => (Token.isUnresolved(value) ? `<${token}>` : value);
    const iam5 = 'Wildcards CDK grants produce: KMS GenerateDataKey*/ReEncrypt* on the one data key, and the table\'s index/* for listing.';
    const findings: Array<{ id: string; reason: string }> = [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole only lets a function write its own logs.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: 'AWSLambdaVPCAccessExecutionRole only lets a function attach to its VPC, when one is configured.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Target databases and their security groups live in any account and region of the Organization; the seed policy (HoopAWSConnect) grants these actions on "*". X-Ray tracing needs "*".',
      },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: iam5 },
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: iam5 },
      { id: `AwsSolutions-IAM5[Resource::<${logicalId(this.storage.table)}.Arn>/index/*]`, reason: iam5 },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${shown(this.region, 'AWS::Region')}:${shown(this.account, 'AWS::AccountId')}:secret:${secretNamePrefix}*]`,
        reason: 'One secret per provisioned user, named after the job; only names under the deployment\'s prefix.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${roleName}]`,
        reason: 'sts:AssumeRole on the one member-account role name, in whichever member account holds the database.',
      },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:*:*:secret:rds!*]', reason: 'Only RDS-managed master secrets (named rds!…): read as the master credential, in any region.' },
      { id: 'AwsSolutions-L1', reason: 'The task runtime is pinned to nodejs22.x, the version dbroles is built and tested for.' },
      ...functions.map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(fn)}.Arn>:*]`,
        reason: 'Step Functions invokes the task functions by any version (the CDK LambdaInvoke grant).',
      })),
    ];
    for (const finding of findings) Validations.of(this).acknowledge(finding);
  }
}
