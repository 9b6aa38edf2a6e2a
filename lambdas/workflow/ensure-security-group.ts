import { ec2Client } from '../core/aws/clients/ec2.ts';
import { ensureSecurityGroup, EnsureSecurityGroupInputSchema } from '../core/steps/ensure-security-group.ts';
import { taskHandler } from '../shared/task-handler.ts';

export const handler = taskHandler('EnsureSecurityGroup', EnsureSecurityGroupInputSchema, ensureSecurityGroup, { awsClients: { ec2: ec2Client } });
