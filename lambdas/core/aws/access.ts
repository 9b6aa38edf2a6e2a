import type { EC2Client } from '@aws-sdk/client-ec2';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { DbrolesError } from '../errors.ts';
import { withRetry } from './retry.ts';

export const DEFAULT_CROSS_ACCOUNT_ROLE_NAME = 'HoopOrganizationAccountAccessRole';

/** The AWS clients for one account and region, and who they act as. */
export interface AwsClients {
  readonly rds: RDSClient;
  readonly ec2: EC2Client;
  /** In the database's account: reads an RDS-managed master secret. */
  readonly secretsManager: SecretsManagerClient;
  /** The caller ARN recorded in the job's `spec.account_arn`. */
  readonly accountArn: string;
}

export interface AwsAccess {
  /** Who the base credentials are: account and ARN. */
  callerIdentity(region: string): Promise<{ account: string; arn: string; userId: string }>;
  /** An Organizations client with the base credentials (the management or delegated-admin account). */
  organizations(): Promise<OrganizationsClient>;
  /**
   * Clients for `accountId` in `region`: the base credentials for the caller's own account,
   * otherwise credentials from AssumeRole into `arn:<partition>:iam::<account>:role/<role name>`.
   */
  forAccount(accountId: string, region: string, partition: string): Promise<AwsClients>;
}

/** How a client is made: region, credentials, and one attempt (retries are withRetry's). */
export interface AwsClientConfig {
  readonly region: string;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly maxAttempts: number;
}

/**
 * The AWS clients this process can make. A deployed function is given only those its task calls
 * (lambdas/core/aws/clients/), so the EC2 client, the largest, is bundled only where it is used.
 */
export interface AwsClientFactories {
  readonly rds?: (config: AwsClientConfig) => RDSClient;
  readonly ec2?: (config: AwsClientConfig) => EC2Client;
  readonly organizations?: (config: AwsClientConfig) => OrganizationsClient;
  readonly secretsManager?: (config: AwsClientConfig) => SecretsManagerClient;
}

function make<K extends keyof AwsClientFactories>(factories: AwsClientFactories, kind: K, config: AwsClientConfig): ReturnType<NonNullable<AwsClientFactories[K]>> {
  const factory = factories[kind] as ((config: AwsClientConfig) => ReturnType<NonNullable<AwsClientFactories[K]>>) | undefined;
  if (!factory) throw new DbrolesError(`this function was built without the ${kind} client; its task does not call it`);
  return factory(config);
}

export interface AwsAccessOptions {
  /** The clients this process may make. */
  readonly clients: AwsClientFactories;
  readonly crossAccountRoleName?: string;
  readonly externalId?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Region for STS calls. @default the target region */
  readonly stsRegion?: string;
}

interface Identity {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
}

/** AWS access that assumes a role per member account and caches those credentials until shortly before they expire. */
export class DefaultAwsAccess implements AwsAccess {
  private identity?: Promise<Identity>;
  /** One AssumeRole per account at a time: concurrent callers share the call in flight. */
  private readonly assumed = new Map<string, Promise<{ credentials: AwsCredentialIdentity; arn: string }>>();

  constructor(private readonly options: AwsAccessOptions) {}

  private sts(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider): STSClient {
    return new STSClient({ region: this.options.stsRegion ?? region, credentials, maxAttempts: 1 });
  }

  callerIdentity(region: string): Promise<Identity> {
    return this.baseIdentity(region);
  }

  async organizations(): Promise<OrganizationsClient> {
    return make(this.options.clients, 'organizations', { region: 'us-east-1', credentials: this.options.credentials, maxAttempts: 1 });
  }

  private baseIdentity(region: string): Promise<Identity> {
    this.identity ??= withRetry(() => this.sts(region, this.options.credentials).send(new GetCallerIdentityCommand({}))).then((out) => {
      if (!out.Account || !out.Arn) throw new DbrolesError('STS GetCallerIdentity returned no account');
      return { account: out.Account, arn: out.Arn, userId: out.UserId ?? '' };
    });
    this.identity.catch(() => {
      this.identity = undefined;
    });
    return this.identity;
  }

  async forAccount(accountId: string, region: string, partition: string): Promise<AwsClients> {
    const me = await this.baseIdentity(region);
    const factories = this.options.clients;
    // Each client is made when first used: a task that only reads RDS never makes an EC2 client.
    const clients = (credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined, accountArn: string): AwsClients => {
      let rds: RDSClient | undefined;
      let ec2: EC2Client | undefined;
      let secretsManager: SecretsManagerClient | undefined;
      return {
        get secretsManager() {
          return (secretsManager ??= make(factories, 'secretsManager', { region, credentials, maxAttempts: 1 }));
        },
        get rds() {
          return (rds ??= make(factories, 'rds', { region, credentials, maxAttempts: 1 }));
        },
        get ec2() {
          return (ec2 ??= make(factories, 'ec2', { region, credentials, maxAttempts: 1 }));
        },
        accountArn,
      };
    };
    if (accountId === me.account) return clients(this.options.credentials, me.arn);

    let assumed = this.assumed.get(accountId);
    const fresh = assumed && (await assumed.then((a) => (a.credentials.expiration?.getTime() ?? 0) > Date.now() + 5 * 60_000, () => false));
    if (!assumed || !fresh) {
      assumed = this.assumeRole(accountId, region, partition);
      this.assumed.set(accountId, assumed);
      assumed.catch(() => this.assumed.delete(accountId));
    }
    const { credentials, arn } = await assumed;
    return clients(credentials, arn);
  }

  private async assumeRole(accountId: string, region: string, partition: string): Promise<{ credentials: AwsCredentialIdentity; arn: string }> {
    const roleName = this.options.crossAccountRoleName ?? DEFAULT_CROSS_ACCOUNT_ROLE_NAME;
    const roleArn = `arn:${partition}:iam::${accountId}:role/${roleName}`;
    let out;
    try {
      out = await withRetry(() =>
        this.sts(region, this.options.credentials).send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'dbroles', ExternalId: this.options.externalId, DurationSeconds: 3600 }),
        ),
      );
    } catch (error) {
      throw new DbrolesError(
        `assume role "${roleArn}" for account ${accountId}: ${(error as Error).message}; deploy the member-account role there (see README)`,
        { cause: error },
      );
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new DbrolesError(`assume role "${roleArn}" returned no credentials`);
    return {
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
      arn: out.AssumedRoleUser?.Arn ?? roleArn,
    };
  }
}
