import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DbrolesStack } from '../lib/dbroles-stack.ts';
import { MemberAccountStack } from '../lib/member-account-stack.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
};
/** A -c value among `choices` (the first is the default, given as undefined); anything else stops the synth with the reason. */
function choice<T extends string>(key: string, choices: readonly [T, ...T[]]): T | undefined {
  const value = context(key);
  if (value === undefined || value === choices[0]) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new Error(`-c ${key}=${value}: use ${choices[0]} (the default) or ${choices.slice(1).join(', ')}`);
}
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
  masterReset: choice('masterReset', ['if-needed', 'never'] as const),
  reconcileMode: choice('reconcileMode', ['provision', 'verify'] as const),
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
