import { CfnOutput, CfnParameter, DefaultStackSynthesizer, Stack, Token, Validations, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_CROSS_ACCOUNT_ROLE_NAME } from '../lambdas/core/aws/access.ts';
import { ROLE_TIERS } from '../lambdas/core/engines/types.ts';
import { DEFAULT_USER_PREFIX } from '../lambdas/core/provision.ts';
import { RDS_CREATION_PATTERN } from './triggers.ts';

/** The seed's member-account HoopAWSConnect actions, plus rds:DescribeDBClusters (Aurora writers are only known at the cluster). */
export const MEMBER_ACCOUNT_ACTIONS = [
  'rds:DescribeDBInstances',
  'rds:DescribeDBClusters',
  'rds:ModifyDBInstance',
  'rds:ModifyDBCluster',
  'ec2:DescribeSecurityGroups',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateTags',
  'ec2:CreateSecurityGroup',
];

/**
 * Reading an RDS-managed master secret (`ManageMasterUserPassword`): RDS names them `rds!…`, and
 * encrypts them with a KMS key dbroles may use only through Secrets Manager. Nothing else.
 */
export function managedMasterSecretStatements(partition: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'ReadRdsManagedMasterSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [`arn:${partition}:secretsmanager:*:*:secret:rds!*`] }),
    new iam.PolicyStatement({
      sid: 'DecryptRdsManagedMasterSecrets',
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
    }),
  ];
}

/**
 * One managed policy per tier granting `rds-db:connect` as `hoop_<tier>` on any database of this
 * account, for the people and roles that use IAM-authenticated users: IAM cannot filter rds-db:connect
 * by tag, and a token must be signed by a principal of the database's own account. Exported by
 * both stacks as DbConnect<Tier>PolicyArn.
 */
export function addDbConnectPolicies(stack: Stack): void {
  for (const tier of ROLE_TIERS) {
    const policy = new iam.ManagedPolicy(stack, `DbConnect${tier[0]?.toUpperCase()}${tier.slice(1)}Policy`, {
      description: `dbroles: log in with IAM as ${DEFAULT_USER_PREFIX}_${tier} to any database of this account`,
      statements: [new iam.PolicyStatement({ actions: ['rds-db:connect'], resources: [`arn:${stack.partition}:rds-db:*:${stack.account}:dbuser:*/${DEFAULT_USER_PREFIX}_${tier}`] })],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds-db:*:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}:dbuser:*/${DEFAULT_USER_PREFIX}_${tier}]`,
      reason: 'IAM cannot filter rds-db:connect by tag: the one user name, on any database of this account.',
    });
    new CfnOutput(stack, `DbConnect${tier[0]?.toUpperCase()}${tier.slice(1)}PolicyArn`, { value: policy.managedPolicyArn, description: `Attach to whoever logs in as ${DEFAULT_USER_PREFIX}_${tier} with IAM` });
  }
}

/**
 * What each member account needs: the role dbroles assumes (trusting the main account, with an
 * ExternalId) and a rule forwarding RDS creation events to the main account's bus. All settings are
 * CloudFormation parameters and the template has no assets and no bootstrap check, so one template
 * deploys as a StackSet across the Organization.
 */
export class MemberAccountStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { ...props, synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
    const mainAccount = new CfnParameter(this, 'MainAccountId', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      description: 'The account where dbroles runs',
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      minLength: 2,
      noEcho: true,
      description: 'The ExternalId dbroles sends (its crossAccountExternalId)',
    });
    const roleName = new CfnParameter(this, 'RoleName', {
      type: 'String',
      default: DEFAULT_CROSS_ACCOUNT_ROLE_NAME,
      description: 'The role name dbroles assumes (its crossAccountRoleName)',
    });
    const role = new iam.Role(this, 'Role', {
      roleName: roleName.valueAsString,
      description: 'Assumed by dbroles to find RDS databases, reset their master password and manage their security group',
      assumedBy: new iam.AccountPrincipal(mainAccount.valueAsString).withConditions({ StringEquals: { 'sts:ExternalId': externalId.valueAsString } }),
    });
    // The seed's policy: databases and security groups are not known in advance, so "*".
    role.addToPolicy(new iam.PolicyStatement({ sid: 'HoopAWSConnect', actions: MEMBER_ACCOUNT_ACTIONS, resources: ['*'] }));
    for (const statement of managedMasterSecretStatements(this.partition)) role.addToPolicy(statement);
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: "The seed's member-account policy: the databases and security groups dbroles will manage are not known when the role is made; kms:Decrypt only through Secrets Manager.",
      },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:*:*:secret:rds!*]`, reason: 'Only RDS-managed master secrets (named rds!…), in any region.' },
    );

    addDbConnectPolicies(this);
    new events.Rule(this, 'ForwardRdsCreation', {
      description: 'dbroles: forward RDS creation and restoration events to the main account',
      eventPattern: RDS_CREATION_PATTERN,
      targets: [new targets.EventBus(events.EventBus.fromEventBusArn(this, 'MainBus', `arn:${this.partition}:events:${this.region}:${mainAccount.valueAsString}:event-bus/default`))],
    });
  }
}
