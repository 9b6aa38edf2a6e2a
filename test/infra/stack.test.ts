import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { DbrolesStack } from '../../lib/dbroles-stack.ts';
import { renderWorkflowAsl } from '../../lib/workflow.ts';
import { TASK_STATES, WORKFLOW_FUNCTIONS } from '../../lambdas/shared/task-registry.ts';
import { MEMBER_ACCOUNT_ACTIONS, MemberAccountStack } from '../../lib/member-account-stack.ts';
import { ADMIN_GROUP, AUDITOR_GROUP, CORS_ALLOWED_HEADERS } from '../../lib/web-console.ts';

/** The seed's HoopAWSConnect actions, plus rds:DescribeDBClusters (Aurora writers are only known at the cluster). */
const SEED_ACTIONS = [
  'organizations:ListAccounts',
  'rds:DescribeDBInstances',
  'rds:ModifyDBInstance',
  'rds:ModifyDBCluster',
  'ec2:DescribeSecurityGroups',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateSecurityGroup',
  'ec2:CreateTags',
  'sts:AssumeRole',
  'rds:DescribeDBClusters',
  // discovery with regions "all": the enabled regions of the account
  'ec2:DescribeRegions',
];
const STORE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];
const KMS_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];
/** What Step Functions needs: invoke the tasks, deliver its logs, send traces (the tasks send traces too). */
const STEP_FUNCTIONS_ACTIONS = [
  'states:StartExecution',
  'states:DescribeExecution',
  'lambda:InvokeFunction',
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

type AslState = { Type: string; Catch?: Array<{ Next: string }>; MaxConcurrency?: number; ItemProcessor?: { States: Record<string, AslState> }; Resource?: unknown };
type Asl = { StartAt: string; States: Record<string, AslState> };

const VAULT_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:dbroles-vault-AbCdEf';
/** Role credentials in Secrets Manager (never DeleteSecret), and reading the Vault login. */
const SECRETS_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:TagResource',
];

let app: App;
let stack: DbrolesStack;
let template: Template;
let member: Template;
let webStack: DbrolesStack;
let web: Template;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new DbrolesStack(app, 'DbrolesTest', {
    env: { account: '111111111111', region: 'us-east-1' },
    organizationId: 'o-abc1234567',
    vaultAddr: 'https://vault.example.com:8200',
    vaultCredentialsSecretArn: VAULT_SECRET_ARN,
    rotationSchedule: 'rate(30 days)',
  });
  const memberStack = new MemberAccountStack(app, 'MemberTest');
  // The web console needs a built console; a stand-in index.html is enough for the template.
  const assetsDir = mkdtempSync(join(tmpdir(), 'dbroles-web-assets-'));
  writeFileSync(join(assetsDir, 'index.html'), '<!doctype html><title>dbroles</title>');
  webStack = new DbrolesStack(app, 'DbrolesWebTest', { env: { account: '111111111111', region: 'us-east-1' }, webUi: { assetsDir } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  template = Template.fromStack(stack);
  member = Template.fromStack(memberStack);
  web = Template.fromStack(webStack);
});

/** The deployed definition: the DefinitionString's Fn::Join with every token replaced by a placeholder. */
function deployedDefinition(): Asl {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as Array<{ Properties: { DefinitionString: unknown } }>;
  const definition = machine?.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = definition['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text) as Asl;
}

describe('DbrolesStack', () => {
  it('keeps state in an on-demand table with point-in-time recovery, encrypted by a rotating customer-managed key, retained on delete', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { KMSMasterKeyId: Match.anyValue(), SSEEnabled: true, SSEType: 'KMS' },
      }),
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ EnableKeyRotation: true }) });
  });

  it('runs every Lambda (15 task functions: the 3 database tasks once per engine family; the API, 3 triggers on Node 22; the hook runner on Python) with X-Ray, the table and the KMS key in its environment', () => {
    const all = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: Record<string, unknown> }>;
    const [hookRunner, ...others] = all.filter((fn) => fn.Properties.Runtime === 'python3.13');
    expect(others).toEqual([]);
    // The hook runner gets nothing of dbroles: no table, no key, no environment at all.
    expect(hookRunner?.Properties).toMatchObject({ Handler: 'handler.handler', TracingConfig: { Mode: 'Active' } });
    expect(hookRunner?.Properties.Environment).toBeUndefined();
    const functions = all.filter((fn) => fn !== hookRunner);
    expect(functions).toHaveLength(Object.keys(WORKFLOW_FUNCTIONS).length + 4);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    const tasks = functions.filter((fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.STATE_MACHINE_ARN === undefined);
    expect(tasks).toHaveLength(15);
    // Each family's database functions run that family's handler file, and only it.
    const handlers = tasks.map((fn) => fn.Properties.Handler).sort();
    expect(handlers.filter((h) => h === 'index.provisionRole')).toHaveLength(3);
    const runHook = tasks.filter((fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.HOOK_RUNNER_FUNCTION_NAME);
    expect(runHook).toHaveLength(1);
    for (const fn of tasks) {
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { DBROLES_TABLE: expect.anything(), CREDENTIALS_KMS_KEY_ID: expect.anything(), DB_TLS: 'verify', NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' },
      });
    }
  });

  it('has a Standard state machine with full logging and X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('deploys the one definition the local runner uses, with Map MaxConcurrency 3 and a Catch on every Task', () => {
    const deployed = deployedDefinition();
    const local = renderWorkflowAsl() as unknown as Asl;
    // Only the task ARNs and the execution timeout (a StateMachine property) differ.
    const shape = (asl: Asl) => JSON.stringify({ ...asl, TimeoutSeconds: undefined }, (key, value) => (key === 'Resource' ? 'RESOURCE' : value));
    expect(shape(deployed)).toBe(shape(local));
    const maps = Object.entries(deployed.States).filter(([, s]) => s.Type === 'Map');
    expect(maps.map(([name]) => name).sort()).toEqual(['ProvisionRolesMysql', 'ProvisionRolesPostgres', 'ProvisionRolesSqlServer']);
    for (const [, map] of maps) expect(map.MaxConcurrency).toBe(3);
    const tasks = [...Object.entries(deployed.States), ...maps.flatMap(([, map]) => Object.entries(map.ItemProcessor?.States ?? {}))].filter(([, s]) => s.Type === 'Task');
    // Exactly the states the task registry names: the registry and the definition cannot drift apart.
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(TASK_STATES).sort());
    // Finalize → RunHook → Notify; a hook that cannot run still reaches Notify.
    expect((deployed.States.Finalize as { Next?: string }).Next).toBe('RunHook');
    expect((deployed.States.RunHook as { Next?: string }).Next).toBe('Notify');
    expect(deployed.States.RunHook?.Catch?.[0]?.Next).toBe('Notify');
    for (const [name, state] of tasks) expect(state.Catch?.length, `${name} has a Catch`).toBeGreaterThan(0);
    const outside = tasks.map(([name]) => name).filter((name) => deployed.States[name] && !['RecordFailure', 'NotifyFailure', 'Notify', 'RunHook'].includes(name));
    expect(outside.length).toBe(9);
    for (const name of outside) expect(deployed.States[name]?.Catch?.[0]?.Next, `${name} fails into RecordFailure`).toBe('RecordFailure');
    expect(deployed.States.RecordFailure?.Catch?.[0]?.Next).toBe('NotifyFailure');
  });

  it('asks IAM for the seed HoopAWSConnect actions and only what the store, KMS and Step Functions need', () => {
    const allowed = new Set([...SEED_ACTIONS, ...STORE_ACTIONS, ...KMS_ACTIONS, ...STEP_FUNCTIONS_ACTIONS, ...SECRETS_ACTIONS]);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{ Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }>;
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()));
    expect(actions.filter((a) => !allowed.has(a))).toEqual([]);
    const assume = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume.length).toBeGreaterThan(0);
    for (const s of assume) expect(JSON.stringify(s.Resource)).toContain(':iam::*:role/HoopOrganizationAccountAccessRole');
    // Secrets Manager actions only on secrets under the prefix, or on the one Vault login secret.
    const secrets = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) {
      const resource = JSON.stringify(s.Resource);
      const managed = resource.includes(':secretsmanager:*:*:secret:rds!*') && JSON.stringify(s.Action) === '"secretsmanager:GetSecretValue"';
      expect(resource.includes(':secret:dbroles/*') || resource.includes(VAULT_SECRET_ARN) || managed, resource).toBe(true);
    }
    // RDS-managed master secrets: read only, and their KMS key only through Secrets Manager.
    const decrypt = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => JSON.stringify(s).includes('DecryptRdsManagedMasterSecrets'));
    expect(decrypt.length).toBeGreaterThan(0);
    for (const s of decrypt) expect(s).toMatchObject({ Action: 'kms:Decrypt', Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } } });
    expect(JSON.stringify(policies)).not.toContain('secretsmanager:DeleteSecret');
  });

  it('lets the key be used directly only by the functions that read password envelopes; the rest reach it through DynamoDB alone', () => {
    type Statement = { Action: string | string[]; Effect: string; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Role: { 'Fn::GetAtt': [string, string] } } }>;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{ Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } }>;
    const statementsOf = (prefix: string) => {
      const entry = Object.entries(functions).find(([id]) => id.startsWith(prefix));
      const role = entry?.[1].Properties.Role['Fn::GetAtt'][0];
      return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === role)).flatMap((p) => p.Properties.PolicyDocument.Statement);
    };
    const kms = (statements: Statement[]) => statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('kms:')));
    const viaDynamo = (st: Statement) => JSON.stringify(st.Condition?.StringEquals?.['kms:ViaService'] ?? '').includes('dynamodb.');
    for (const prefix of ['FinalizeFunction', 'NotifyFunction', 'TriggersOnExecutionEnded']) {
      const keyUse = kms(statementsOf(prefix));
      expect(keyUse.length, prefix).toBeGreaterThan(0);
      for (const st of keyUse) expect(viaDynamo(st), `${prefix}: ${JSON.stringify(st)}`).toBe(true);
    }
    for (const prefix of ['PrepareFunction', 'MasterCredentialsPostgresFunction', 'ProvisionRoleMysqlFunction', 'CheckMasterAppliedSqlServerFunction', 'RunHookFunction', 'RecordFailureFunction', 'ApiHandler']) {
      expect(kms(statementsOf(prefix)).some((st) => !viaDynamo(st) && [st.Action].flat().includes('kms:Decrypt')), prefix).toBe(true);
    }
    // With an Organization, AssumeRole only reaches roles that belong to it.
    const assume = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st) => [st.Action].flat().includes('sts:AssumeRole'));
    expect(assume.length).toBeGreaterThan(0);
    for (const st of assume) expect(st.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': 'o-abc1234567' } });
  });

  it('serves every API route behind IAM authorization and exports an admin and an auditor policy', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Array<{ Properties: { RouteKey: string; AuthorizationType: string } }>;
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      [
        'GET /api/connections',
        'GET /api/connections/{name}',
        'GET /api/connections/{name}/credentials',
        'GET /api/dbroles/jobs',
        'GET /api/dbroles/jobs/{id}',
        'GET /api/dbroles/jobs/{id}/databases',
      'GET /api/dbroles/jobs/{id}/plan',
        'GET /api/dbroles/{id}',
        'GET /api/openapi.json',
        'POST /api/dbroles/jobs',
        'GET /api/integrations/aws/organizations',
        'POST /api/integrations/aws/rds/describe-db-instances',
        'PUT /api/integrations/aws/iam/accesskeys',
        'DELETE /api/integrations/aws/iam/accesskeys',
        'GET /api/integrations/aws/iam/userinfo',
      ].sort(),
    );
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Array<{
      Properties: { Description: string; PolicyDocument: { Statement: Array<{ Action: string; Effect: string; Resource: unknown }> } };
    }>;
    const byKind = (word: string) => policies.find((p) => p.Properties.Description.includes(word));
    // The auditor's GET/api/* would match the credentials route: an explicit Deny removes it.
    const auditor = byKind('GET routes only')?.Properties.PolicyDocument.Statement ?? [];
    expect(auditor.find((s) => s.Effect === 'Deny')).toMatchObject({ Action: 'execute-api:Invoke' });
    expect(JSON.stringify(auditor.find((s) => s.Effect === 'Deny')?.Resource)).toContain('/*/GET/api/connections/*/credentials');
    const reader = byKind('read the credentials')?.Properties.PolicyDocument.Statement ?? [];
    expect(reader).toHaveLength(1);
    expect(reader[0]).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke' });
    expect(JSON.stringify(reader[0]?.Resource)).toContain('/*/GET/api/connections/*/credentials');
    // The admin policy's */api/* includes the credentials route.
    expect(new RegExp(`^${'*/api/*'.replace(/\*/g, '.*')}$`).test('GET/api/connections/x/credentials')).toBe(true);
    expect(byKind('every route')?.Properties.PolicyDocument.Statement[0]?.Action).toBe('execute-api:Invoke');
    expect(JSON.stringify(byKind('every route')?.Properties.PolicyDocument.Statement[0]?.Resource)).toContain('/*/*/api/*');
    expect(JSON.stringify(byKind('GET routes only')?.Properties.PolicyDocument.Statement[0]?.Resource)).toContain('/*/GET/api/*');
    const outputs = template.toJSON().Outputs as Record<string, { Export?: { Name: string } }>;
    const exported = Object.values(outputs).map((o) => o.Export?.Name).filter(Boolean);
    expect(exported).toEqual(expect.arrayContaining(['DbrolesTest-ApiAdminPolicyArn', 'DbrolesTest-ApiAuditorPolicyArn', 'DbrolesTest-ApiCredentialsReaderPolicyArn']));
  });

  it('reconciles tagged databases daily and reacts to RDS creation events from the Organization', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)', State: 'ENABLED' });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 days)',
      Targets: [Match.objectLike({ Input: JSON.stringify({ rotate_passwords: true }) })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.rds'], 'detail-type': ['RDS DB Instance Event', 'RDS DB Cluster Event'], detail: { EventCategories: ['creation', 'restoration'] } },
    });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Action: 'events:PutEvents', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc1234567' } } }),
    });
    const triggers = (Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Environment?: { Variables: Record<string, unknown> } } }>).filter(
      (fn) => fn.Properties.Environment?.Variables.AUTO_PROVISION_TAG === 'dbroles:auto-provision',
    );
    expect(triggers).toHaveLength(3);
  });

  it('fails, within a minute, a job whose execution failed, timed out or was aborted outside every Catch', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [Match.anyValue()] },
      },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 4 } })],
    });
    // The roles Maps have their own Catch, like every other state that can fail.
    for (const map of ['ProvisionRolesPostgres', 'ProvisionRolesMysql', 'ProvisionRolesSqlServer']) expect(deployedDefinition().States[map]?.Catch?.[0]?.Next).toBe('RecordFailure');
  });

  it('lets the daily reconcile only verify with -c reconcileMode=verify', () => {
    const env = (t: Template) =>
      Object.entries(t.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>).find(([id]) => id.startsWith('TriggersReconcile'))?.[1].Properties.Environment?.Variables;
    expect(env(template)?.RECONCILE_MODE).toBe('provision');
    const verifying = new DbrolesStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Verifying', { env: { account: '111111111111', region: 'us-east-1' }, reconcileMode: 'verify' });
    expect(env(Template.fromStack(verifying))?.RECONCILE_MODE).toBe('verify');
  });

  it('exports, in the main and the member-account stack, one rds-db:connect policy per tier for IAM-authenticated users', () => {
    for (const t of [template, member]) {
      const outputs = Object.keys(t.toJSON().Outputs ?? {});
      for (const tier of ['Ro', 'Rw', 'Ddl']) expect(outputs).toContain(`DbConnect${tier}PolicyArn`);
      const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as Array<{ Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } }>;
      const connect = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st) => st.Action === 'rds-db:connect');
      expect(connect.map((st) => JSON.stringify(st.Resource).match(/dbuser:\*\/(hoop_\w+)/)?.[1]).sort()).toEqual(['hoop_ddl', 'hoop_ro', 'hoop_rw']);
    }
  });

  it('has the triggers that end abandoned jobs hand them to Notify (the only function with svix and the Svix key)', () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Role: { 'Fn::GetAtt': [string] }; Environment?: { Variables?: Record<string, unknown> } } }>;
    const notifyId = Object.keys(functions).find((id) => id.startsWith('NotifyFunction')) ?? '';
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{ Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }>;
    for (const prefix of ['TriggersReconcile', 'TriggersOnExecutionEnded']) {
      const [, fn] = Object.entries(functions).find(([id]) => id.startsWith(prefix)) ?? [];
      expect(fn?.Properties.Environment?.Variables?.NOTIFY_FUNCTION_NAME, prefix).toEqual({ Ref: notifyId });
      const statements = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === fn?.Properties.Role['Fn::GetAtt'][0])).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const invoke = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
      expect(JSON.stringify(invoke), prefix).toContain(notifyId);
    }
  });

  it('has a member-account stack: the assumed role with an ExternalId, the seed actions, event forwarding, no bootstrap', () => {
    expect(Object.keys(member.toJSON().Parameters ?? {}).sort()).toEqual(['ExternalId', 'MainAccountId', 'RoleName']);
    member.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { Ref: 'RoleName' },
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
            Principal: { AWS: { 'Fn::Join': Match.anyValue() } },
          }),
        ],
      },
    });
    member.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: MEMBER_ACCOUNT_ACTIONS, Resource: '*' }),
          Match.objectLike({ Sid: 'ReadRdsManagedMasterSecrets', Action: 'secretsmanager:GetSecretValue', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:*:*:secret:rds!*']] } }),
          Match.objectLike({ Sid: 'DecryptRdsManagedMasterSecrets', Action: 'kms:Decrypt', Resource: '*', Condition: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } } }),
        ],
      },
    });
    member.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ source: ['aws.rds'] }), Targets: [Match.objectLike({ Arn: Match.anyValue() })] });
    expect(JSON.stringify(member.toJSON())).not.toMatch(/BootstrapVersion|cdk-hnb659fds/);
    expect(member.toJSON().Parameters.ExternalId.NoEcho).toBe(true);
  });

  it('adds no web console unless asked', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(JSON.stringify(template.findResources('AWS::ApiGatewayV2::Api'))).not.toContain('CorsConfiguration');
  });

  describe('with -c webUi=true', () => {
    it('serves the console from a private bucket through CloudFront with origin access control and strict headers', () => {
      web.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
      web.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      web.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
          Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })],
        }),
      });
      // Only CloudFront, for this distribution, may read the files.
      web.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' }, Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } } }),
          ]),
        },
      });
      const [policy] = Object.values(web.findResources('AWS::CloudFront::ResponseHeadersPolicy')) as any[];
      expect(JSON.stringify(policy)).toMatch(/frame-ancestors 'none'/);
      expect(JSON.stringify(policy)).toMatch(/script-src 'self'/);
    });

    it('signs people in with Cognito: no self sign-up, MFA, two groups mapped by token to roles with the admin and auditor policies', () => {
      web.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, MfaConfiguration: 'ON' });
      web.hasResourceProperties('AWS::Cognito::UserPoolClient', { AllowedOAuthFlows: ['code'], GenerateSecret: false });
      const groups = Object.values(web.findResources('AWS::Cognito::UserPoolGroup')) as any[];
      expect(groups.map((g) => g.Properties.GroupName).sort()).toEqual([ADMIN_GROUP, AUDITOR_GROUP]);
      web.hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: false });
      web.hasResourceProperties('AWS::Cognito::IdentityPoolRoleAttachment', {
        RoleMappings: Match.objectLike({ users: Match.objectLike({ Type: 'Token', AmbiguousRoleResolution: 'Deny' }) }),
      });
      const roleFor = (group: string) => {
        const g = groups.find((x) => x.Properties.GroupName === group);
        const roleId = g.Properties.RoleArn['Fn::GetAtt'][0] as string;
        return (web.toJSON().Resources as Record<string, any>)[roleId];
      };
      const admin = roleFor(ADMIN_GROUP);
      const auditor = roleFor(AUDITOR_GROUP);
      expect(JSON.stringify(admin.Properties.ManagedPolicyArns)).toMatch(/AdminPolicy/);
      expect(JSON.stringify(auditor.Properties.ManagedPolicyArns)).toMatch(/AuditorPolicy/);
      expect(JSON.stringify(auditor.Properties.ManagedPolicyArns)).not.toMatch(/AdminPolicy|CredentialsReader/);
      for (const role of [admin, auditor]) {
        expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Condition: { 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' }, StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: expect.stringMatching(/^WebConsoleIdentities/) } } },
        });
      }
    });

    it('keeps IAM authorization on every route and lets only the console origin call the API with SigV4 headers', () => {
      web.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: {
          AllowOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('Distribution'), 'DomainName'] }]] }],
          AllowHeaders: CORS_ALLOWED_HEADERS,
          AllowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
          MaxAge: 3600,
        },
      });
      const routes = Object.values(web.findResources('AWS::ApiGatewayV2::Route')) as any[];
      expect(routes.length).toBeGreaterThan(10);
      for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    });

    it('uploads the console with its config.json: the API, the user pool, the identity pool and the sign-in domain', () => {
      const [deployment] = Object.values(web.findResources('Custom::CDKBucketDeployment')) as any[];
      // config.json is a JSON source whose deploy-time values are markers: these five.
      const markers = JSON.stringify(Object.values(deployment.Properties.SourceMarkers[1]));
      for (const value of ['ApiHttpApi', 'WebConsoleUsers', 'WebConsoleUsersWeb', 'WebConsoleIdentities', 'WebConsoleUsersSignIn']) expect(markers).toContain(value);
      expect(deployment.Properties.DistributionPaths).toEqual(['/index.html', '/config.json']);
    });
  });

  it('passes cdk-nag AwsSolutions, every remaining finding acknowledged with a reason in code', () => {
    expect(() => app.synth()).not.toThrow();
    // Control: the same check does fail a stack with an unacknowledged finding.
    const other = new App();
    new sqs.Queue(new Stack(other, 'Bad'), 'Queue');
    Validations.of(other).addPlugins(new AwsSolutionsChecks(other));
    expect(() => other.synth()).toThrow(/AwsSolutions/);
  });
});
