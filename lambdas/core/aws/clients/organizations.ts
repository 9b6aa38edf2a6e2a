import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AwsClientConfig } from '../access.ts';

export const organizationsClient = (config: AwsClientConfig): OrganizationsClient => new OrganizationsClient(config);
