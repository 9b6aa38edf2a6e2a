import { CfnParameter, DefaultStackSynthesizer, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_CROSS_ACCOUNT_ROLE_NAME } from '../lambdas/core/aws/access.ts';
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

    new events.Rule(this, 'ForwardRdsCreation', {
      description: 'dbroles: forward RDS creation and restoration events to the main account',
      eventPattern: RDS_CREATION_PATTERN,
      targets: [new targets.EventBus(events.EventBus.fromEventBusArn(this, 'MainBus', `arn:${this.partition}:events:${this.region}:${mainAccount.valueAsString}:event-bus/default`))],
    });
  }
}
