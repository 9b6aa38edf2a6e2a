import { EC2Client } from '@aws-sdk/client-ec2';
import type { AwsClientConfig } from '../access.ts';

export const ec2Client = (config: AwsClientConfig): EC2Client => new EC2Client(config);
