import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DbrolesStack } from '../lib/dbroles-stack.ts';
import { MemberAccountStack } from '../lib/member-account-stack.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
};
/** A -c value outside its choices stops the synth with the reason. */
const invalidChoice = (key: string, value: string | undefined, choices: string): never => {
  throw new Error(`-c ${key}=${value}: use ${choices}`);
};
const list = (key: string) => context(key)?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];

const vpcId = context('vpcId');
new DbrolesStack(app, context('stackName') ?? 'Dbroles', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  crossAccountRoleName: context('crossAccountRoleName'),
  crossAccountExternalId: context('crossAccountExternalId'),
  orgId: context('orgId'),
  gatewayHost: context('gatewayHost'),
  reconcileSchedule: context('reconcileSchedule'),
  autoProvisionTag: context('autoProvisionTag'),
  masterReset: context('masterReset') === 'never' ? 'never' : context('masterReset') === undefined || context('masterReset') === 'if-needed' ? undefined : invalidChoice('masterReset', context('masterReset'), 'if-needed (the default) or never'),
  reconcileMode: context('reconcileMode') === 'verify' ? 'verify' : context('reconcileMode') === undefined || context('reconcileMode') === 'provision' ? undefined : invalidChoice('reconcileMode', context('reconcileMode'), 'provision (the default) or verify'),
  organizationId: context('organizationId'),
  instanceRoleAllowed: context('instanceRoleAllowed') === 'false' ? false : undefined,
  discoveryRegions: context('discoveryRegions') ? list('discoveryRegions') : undefined,
  svixApiKeySecretArn: context('svixApiKeySecretArn'),
  svixServerUrl: context('svixServerUrl'),
  secretNamePrefix: context('secretNamePrefix'),
  vaultAddr: context('vaultAddr'),
  vaultCredentialsSecretArn: context('vaultCredentialsSecretArn'),
  rotationSchedule: context('rotationSchedule'),
  runbooksGitUrl: context('runbooksGitUrl'),
  runbooksGitBranch: context('runbooksGitBranch'),
  runbooksGitTokenSecretArn: context('runbooksGitTokenSecretArn'),
  hookTimeoutSeconds: context('hookTimeoutSeconds') ? Number(context('hookTimeoutSeconds')) : undefined,
  masterCheckIntervalSeconds: context('masterCheckIntervalSeconds') ? Number(context('masterCheckIntervalSeconds')) : undefined,
  webUi: context('webUi') === 'true' ? { domainPrefix: context('webUiDomainPrefix') } : undefined,
  vpc: vpcId ? { vpcId, subnetIds: list('subnetIds'), securityGroupIds: list('securityGroupIds') } : undefined,
});
new MemberAccountStack(app, context('memberStackName') ?? 'DbrolesMemberAccount');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
