import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsClientConfig } from '../access.ts';

export const secretsManagerClient = (config: AwsClientConfig): SecretsManagerClient => new SecretsManagerClient(config);
