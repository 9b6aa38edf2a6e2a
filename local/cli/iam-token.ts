import { Signer } from '@aws-sdk/rds-signer';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { IamConnectionCredentials } from '../../lambdas/api/connections.ts';

/**
 * A 15-minute IAM login token for an IAM-authenticated user, signed with the caller's own AWS
 * credentials (the default chain, unless given): the API cannot sign for its caller. A secret.
 */
export async function signIamToken(c: IamConnectionCredentials, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): Promise<string> {
  // arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>
  const region = c.resource_arn.split(':')[3] ?? '';
  return new Signer({ hostname: c.host, port: c.port, username: c.user, region, ...(credentials ? { credentials } : {}) }).getAuthToken();
}
