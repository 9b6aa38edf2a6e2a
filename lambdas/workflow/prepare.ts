import { organizationsClient } from '../core/aws/clients/organizations.ts';
import { rdsClient } from '../core/aws/clients/rds.ts';
import { prepare, PrepareInputSchema } from '../core/steps/prepare.ts';
import { taskHandler } from '../shared/task-handler.ts';

export const handler = taskHandler('Prepare', PrepareInputSchema, prepare, { awsClients: { rds: rdsClient, organizations: organizationsClient } });
