import { RDSClient } from '@aws-sdk/client-rds';
import type { AwsClientConfig } from '../access.ts';

export const rdsClient = (config: AwsClientConfig): RDSClient => new RDSClient(config);
