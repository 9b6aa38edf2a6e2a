import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ENGINE_FAMILIES, type EngineName } from '../engines/types.ts';
import { DbrolesError, NotFoundError, SecretStoreError } from '../errors.ts';
import type { CredentialsInfo, RoleSecret, RoleSecretScope, RoleSecretStore } from './types.ts';

/** The tag that says which database a secret belongs to; a secret tagged for another is never written. */
export const DB_ARN_SECRET_TAG = 'dbroles:db-arn';
/** The name prefix a deployment's IAM allows by default. */
export const DEFAULT_SECRET_NAME_PREFIX = 'dbroles/';

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';

/** The `engine` AWS's RDS rotation functions accept; they refuse any other value. */
export function rotationEngine(engine: EngineName): 'postgres' | 'mysql' | 'mariadb' | 'sqlserver' {
  if (engine === 'mariadb') return 'mariadb';
  return ENGINE_FAMILIES[engine];
}

/** The secret's value: the JSON AWS's own RDS rotation functions read, so rotation can move to AWS later. */
export const RotationSecretSchema = z.object({
  engine: z.enum(['postgres', 'mysql', 'mariadb', 'sqlserver']),
  host: z.string(),
  port: z.number(),
  username: z.string(),
  password: z.string(),
  dbname: z.string(),
  dbInstanceIdentifier: z.string().optional(),
  dbClusterIdentifier: z.string().optional(),
});
export const ROTATION_SECRET_KEYS = ['engine', 'host', 'port', 'username', 'password', 'dbname'];

export interface SecretsManagerStoreOptions {
  /** Starts every secret name; the deployment's IAM allows only names under it. @default dbroles/ */
  readonly namePrefix: string;
  /** A customer-managed KMS key for new secrets. @default aws/secretsmanager */
  readonly kmsKeyId?: string;
}

const isNotFound = (error: unknown) => (error as { name?: string }).name === 'ResourceNotFoundException';

/**
 * AWS Secrets Manager (provider `aws-secrets-manager`): one secret per user and server, named
 * `<name_prefix><connection_prefix_name>-<tier>`, tagged `dbroles:db-arn`. A new password is put
 * as a version labelled AWSPENDING, then AWSCURRENT moves to it once it logged in and AWSPENDING
 * is removed, so after every write AWSPENDING is on no version and AWS's own rotation can take
 * over. AWSCURRENT is the truth: a secret AWS rotated is read, never repaired from a copy.
 * Secrets are created or updated, never deleted.
 */
export class SecretsManagerRoleSecretStore implements RoleSecretStore {
  readonly provider = 'aws-secrets-manager' as const;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerStoreOptions,
  ) {}

  name(scope: Pick<RoleSecretScope, 'connectionPrefix' | 'tier'>): string {
    return `${this.options.namePrefix}${scope.connectionPrefix}-${scope.tier}`;
  }

  private fail(action: string, name: string, error: unknown): never {
    if (error instanceof DbrolesError) throw error;
    const e = error as { name?: string; message?: string };
    throw new SecretStoreError(`${action} secret "${name}" in AWS Secrets Manager: ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim(), { cause: error });
  }

  /** The secret's description when it exists and belongs to this database; throws when it belongs to another. */
  private async owned(scope: RoleSecretScope): Promise<DescribeSecretCommandOutput | undefined> {
    const name = this.name(scope);
    let secret: DescribeSecretCommandOutput;
    try {
      secret = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      this.fail('describe', name, error);
    }
    const owner = secret.Tags?.find((t) => t.Key === DB_ARN_SECRET_TAG)?.Value;
    if (owner !== scope.dbArn) {
      throw new SecretStoreError(
        owner
          ? `secret "${secret.ARN}" is in the way: it belongs to database "${owner}", not "${scope.dbArn}"; choose another connection_prefix_name or name_prefix`
          : `secret "${secret.ARN}" is in the way: it exists without the tag ${DB_ARN_SECRET_TAG}; tag it ${DB_ARN_SECRET_TAG}=${scope.dbArn} to let dbroles write it, or choose another connection_prefix_name`,
      );
    }
    return secret;
  }

  private versionWith(secret: DescribeSecretCommandOutput, stage: string): string | undefined {
    return Object.entries(secret.VersionIdsToStages ?? {}).find(([, stages]) => stages?.includes(stage))?.[0];
  }

  private async value(name: string, select: { VersionStage?: string; VersionId?: string }): Promise<RoleSecret | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name, ...select }));
      const parsed = RotationSecretSchema.parse(JSON.parse(out.SecretString ?? '{}'));
      return { host: parsed.host, port: parsed.port, user: parsed.username, password: parsed.password, database: parsed.dbname };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (error instanceof SyntaxError || error instanceof z.ZodError) {
        throw new SecretStoreError(`secret "${name}" does not hold the JSON of AWS's RDS rotation functions ({engine, host, port, username, password, dbname})`);
      }
      this.fail('read', name, error);
    }
  }

  private json(scope: RoleSecretScope, secret: RoleSecret): string {
    return JSON.stringify({
      engine: rotationEngine(scope.engine),
      host: secret.host,
      port: secret.port,
      username: secret.user,
      password: secret.password,
      dbname: secret.database,
      ...(scope.clusterId ? { dbClusterIdentifier: scope.clusterId } : scope.instanceId ? { dbInstanceIdentifier: scope.instanceId } : {}),
    });
  }

  async readCurrent(scope: RoleSecretScope): Promise<RoleSecret | undefined> {
    const secret = await this.owned(scope);
    if (!secret || !this.versionWith(secret, CURRENT)) return undefined;
    return this.value(this.name(scope), { VersionStage: CURRENT });
  }

  async readPending(scope: RoleSecretScope): Promise<RoleSecret | undefined> {
    const secret = await this.owned(scope);
    const pending = secret && this.versionWith(secret, PENDING);
    if (!pending || pending === this.versionWith(secret, CURRENT)) return undefined;
    return this.value(this.name(scope), { VersionId: pending });
  }

  async writePending(scope: RoleSecretScope, secret: RoleSecret): Promise<void> {
    const name = this.name(scope);
    let arn = (await this.owned(scope))?.ARN;
    if (!arn) {
      try {
        // No value yet: a version made by CreateSecret would be AWSCURRENT before it logged in.
        const created = await this.client.send(
          new CreateSecretCommand({
            Name: name,
            Description: `dbroles: ${scope.user} on ${scope.dbArn}`,
            KmsKeyId: this.options.kmsKeyId,
            Tags: [{ Key: DB_ARN_SECRET_TAG, Value: scope.dbArn }],
          }),
        );
        arn = created.ARN;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceExistsException') this.fail('create', name, error);
        arn = (await this.owned(scope))?.ARN;
      }
    }
    try {
      await this.client.send(
        new PutSecretValueCommand({ SecretId: arn ?? name, SecretString: this.json(scope, secret), VersionStages: [PENDING], ClientRequestToken: randomUUID() }),
      );
    } catch (error) {
      this.fail('write', name, error);
    }
  }

  async promote(scope: RoleSecretScope, secret: RoleSecret): Promise<CredentialsInfo> {
    const name = this.name(scope);
    const described = await this.owned(scope);
    if (!described?.ARN) throw new SecretStoreError(`secret "${name}" is gone from AWS Secrets Manager; run the job again`);
    const current = this.versionWith(described, CURRENT);
    const pending = this.versionWith(described, PENDING);
    try {
      if (pending && pending !== current) {
        const value = await this.value(name, { VersionId: pending });
        if (value?.password !== secret.password) throw new SecretStoreError(`the AWSPENDING version of "${described.ARN}" is not the password that logged in; run the job again`);
        await this.client.send(
          new UpdateSecretVersionStageCommand({ SecretId: described.ARN, VersionStage: CURRENT, MoveToVersionId: pending, RemoveFromVersionId: current }),
        );
      } else if ((await this.value(name, { VersionStage: CURRENT }))?.password !== secret.password) {
        throw new SecretStoreError(`secret "${described.ARN}" holds no pending version with the password that logged in; run the job again`);
      }
      // AWS's rotation refuses to start while AWSPENDING is on a version other than AWSCURRENT.
      if (pending) await this.client.send(new UpdateSecretVersionStageCommand({ SecretId: described.ARN, VersionStage: PENDING, RemoveFromVersionId: pending }));
    } catch (error) {
      this.fail('promote', name, error);
    }
    return { secrets_manager_provider: 'aws-secrets-manager', secret_id: described.ARN, secret_keys: [...ROTATION_SECRET_KEYS] };
  }

  async discardPending(scope: RoleSecretScope): Promise<void> {
    const described = await this.owned(scope);
    const pending = described && this.versionWith(described, PENDING);
    if (!described?.ARN || !pending || pending === this.versionWith(described, CURRENT)) return;
    try {
      await this.client.send(new UpdateSecretVersionStageCommand({ SecretId: described.ARN, VersionStage: PENDING, RemoveFromVersionId: pending }));
    } catch (error) {
      this.fail('clear AWSPENDING of', this.name(scope), error);
    }
  }

  async info(scope: RoleSecretScope): Promise<CredentialsInfo> {
    const described = await this.owned(scope);
    if (!described?.ARN) throw new SecretStoreError(`secret "${this.name(scope)}" is not in AWS Secrets Manager`);
    return { secrets_manager_provider: 'aws-secrets-manager', secret_id: described.ARN, secret_keys: [...ROTATION_SECRET_KEYS] };
  }

  async read(secretId: string): Promise<RoleSecret> {
    const secret = await this.value(secretId, { VersionStage: CURRENT });
    if (!secret) throw new NotFoundError(`AWS Secrets Manager holds no current value for "${secretId}"`);
    return secret;
  }
}
