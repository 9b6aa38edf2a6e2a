import type { AwsClientFactories } from '../access.ts';
import { ec2Client } from './ec2.ts';
import { organizationsClient } from './organizations.ts';
import { rdsClient } from './rds.ts';
import { secretsManagerClient } from './secrets-manager.ts';

/** Every client: the local runtime, the API, the triggers and the tests. */
export const ALL_AWS_CLIENTS: AwsClientFactories = { rds: rdsClient, ec2: ec2Client, organizations: organizationsClient, secretsManager: secretsManagerClient };
