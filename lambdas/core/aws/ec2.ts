import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { withRetry } from './retry.ts';

export const SECURITY_GROUP_DESCRIPTION = 'Database ingress rule for connectivity with Hoop Agent';

export interface SecurityGroupSpec {
  readonly name: string;
  readonly vpcId: string;
  readonly port: number;
  readonly cidr: string;
  /** The value of the `hoop.dev/gateway` tag: the API's host name. */
  readonly gatewayHost: string;
}

async function findGroup(ec2: EC2Client, spec: SecurityGroupSpec): Promise<SecurityGroup | undefined> {
  const out = await withRetry(() =>
    ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'group-name', Values: [spec.name] },
          { Name: 'vpc-id', Values: [spec.vpcId] },
        ],
      }),
    ),
  );
  return out.SecurityGroups?.[0];
}

function hasRule(group: SecurityGroup | undefined, spec: SecurityGroupSpec): boolean {
  return (group?.IpPermissions ?? []).some(
    (p) => p.IpProtocol === 'tcp' && p.FromPort === spec.port && p.ToPort === spec.port && (p.IpRanges ?? []).some((r) => r.CidrIp === spec.cidr),
  );
}

/**
 * Finds or creates the group and its one TCP ingress rule. Idempotent: a rerun finds both and
 * changes nothing. Returns the group id and whether anything was created.
 */
/** For a plan: the group as it is (its id, when it exists) and whether the rule is already there. Reads only. */
export async function inspectSecurityGroup(ec2: EC2Client, spec: SecurityGroupSpec): Promise<{ groupId?: string; hasRule: boolean }> {
  const group = await findGroup(ec2, spec);
  return { groupId: group?.GroupId, hasRule: hasRule(group, spec) };
}

export async function ensureSecurityGroup(ec2: EC2Client, spec: SecurityGroupSpec): Promise<{ groupId: string; changed: boolean }> {
  let group = await findGroup(ec2, spec);
  let changed = false;
  if (!group) {
    try {
      const created = await withRetry(() =>
        ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: spec.name,
            Description: SECURITY_GROUP_DESCRIPTION,
            VpcId: spec.vpcId,
            TagSpecifications: [
              {
                ResourceType: 'security-group',
                Tags: [
                  { Key: 'Name', Value: spec.name },
                  { Key: 'hoop.dev/gateway', Value: spec.gatewayHost },
                ],
              },
            ],
          }),
        ),
      );
      group = { GroupId: created.GroupId, IpPermissions: [] };
      changed = true;
    } catch (error) {
      // Another job created it between our look and our create.
      if ((error as { name?: string }).name !== 'InvalidGroup.Duplicate') throw error;
      group = await findGroup(ec2, spec);
    }
  }
  const groupId = group?.GroupId;
  if (!groupId) throw new Error(`security group "${spec.name}" has no id`);
  if (!hasRule(group, spec)) {
    try {
      await withRetry(() =>
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: spec.port, ToPort: spec.port, IpRanges: [{ CidrIp: spec.cidr, Description: SECURITY_GROUP_DESCRIPTION }] },
            ],
          }),
        ),
      );
      changed = true;
    } catch (error) {
      if ((error as { name?: string }).name !== 'InvalidPermission.Duplicate') throw error;
    }
  }
  return { groupId, changed };
}
