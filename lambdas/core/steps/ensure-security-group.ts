import * as z from 'zod';
import { ensureSecurityGroup as ensureGroup } from '../aws/ec2.ts';
import { DbrolesError } from '../errors.ts';
import { IPV4_CIDR, IPV4_CIDR_MESSAGE } from '../patterns.ts';
import { DbTargetSchema } from '../target.ts';
import type { BaseDeps } from './deps.ts';
import { planSecurityGroup } from './dry-run.ts';
import { trackStep } from './progress.ts';

export const EnsureSecurityGroupInputSchema = z.object({
  job_id: z.string(),
  target: DbTargetSchema,
  cidr: z.string().regex(IPV4_CIDR, IPV4_CIDR_MESSAGE),
});

export const SecurityGroupsToAttachSchema = z.object({
  /** Whether the database must be given `security_group_ids` (ours is not attached yet). */
  attach: z.boolean(),
  /** The database's groups once ours is attached: the previous ones plus ours, each once. */
  security_group_ids: z.array(z.string()),
});
export type SecurityGroupsToAttach = z.infer<typeof SecurityGroupsToAttachSchema>;

export interface EnsureSecurityGroupOutput extends SecurityGroupsToAttach {
  readonly group_id: string;
  readonly changed: boolean;
}

/**
 * Step 2: the group `hoop-aws-connect-sg-<instance>` with one TCP ingress rule on the database
 * port. It is not attached here: MasterCredentials attaches it (by union with the groups already
 * there) in the same Modify as a new master password, since RDS refuses a second Modify while the
 * first is being applied. A rerun changes nothing.
 */
export async function ensureSecurityGroup(input: z.infer<typeof EnsureSecurityGroupInputSchema>, deps: BaseDeps): Promise<EnsureSecurityGroupOutput> {
  const { target } = input;
  const { request } = await deps.jobs.get(input.job_id);
  return trackStep(deps, input.job_id, 'EnsureSecurityGroup', async () => {
    if (request.dry_run) return planSecurityGroup(input.job_id, target, input.cidr, deps);
    if (!target.vpc_id) throw new DbrolesError(`instance "${target.instance_id}" is not in a VPC; no security group can be attached`);
    const aws = await deps.aws.forAccount(target.account_id, target.region, target.partition);
    const { groupId, changed } = await ensureGroup(aws.ec2, {
      name: `hoop-aws-connect-sg-${target.instance_id}`,
      vpcId: target.vpc_id,
      port: target.port,
      cidr: input.cidr,
      gatewayHost: deps.config.gatewayHost,
    });
    const union = [...new Set([...target.security_group_ids, groupId])];
    const attach = !target.security_group_ids.includes(groupId);
    return { group_id: groupId, security_group_ids: union, attach, changed: changed || attach };
  });
}
