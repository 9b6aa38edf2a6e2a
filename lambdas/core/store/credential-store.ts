import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConflictError } from '../errors.ts';
import type { RoleTier } from '../engines/types.ts';
import { EnvelopeSchema, type CredentialCipher } from '../secrets/cipher.ts';
import { isConditionFailed } from './dynamo.ts';
import { masterCredentialKey, offeredMasterKey, roleCredentialKey } from './keys.ts';

/** Decrypted master credentials. `pending` is a password written ahead of a reset: it may or may not be live yet. */
export interface MasterCredentials {
  readonly user: string;
  readonly current?: string;
  readonly pending?: string;
  readonly version: number;
}

export interface RoleCredentials {
  readonly user: string;
  readonly tier: RoleTier;
  readonly password: string;
  readonly state: 'pending' | 'current';
}

/**
 * Encrypted credentials per database. Plaintext passwords cross this interface only; stored items
 * hold envelopes. Writes are conditional on a version, so a reset never overwrites a newer one.
 */
export interface CredentialStore {
  getMaster(dbArn: string): Promise<MasterCredentials | undefined>;
  /** Writes a new pending master password ahead of changing it in RDS. ConflictError when `expectedVersion` is stale. */
  writePendingMaster(dbArn: string, user: string, password: string, expectedVersion: number): Promise<number>;
  /** Makes `password` (which must be the pending one) the current password and clears pending. */
  promotePendingMaster(dbArn: string, password: string): Promise<void>;
  /** Stores a master password known to be live (a database given directly). */
  putCurrentMaster(dbArn: string, user: string, password: string): Promise<void>;
  /** Keeps the master password a job was given, encrypted, apart from the verified ones (nothing is overwritten before it logs in). */
  putOfferedMaster(jobId: string, password: string): Promise<void>;
  getOfferedMaster(jobId: string): Promise<string | undefined>;
  deleteOfferedMaster(jobId: string): Promise<void>;
  putRole(dbArn: string, credentials: RoleCredentials): Promise<void>;
  getRole(dbArn: string, user: string): Promise<RoleCredentials | undefined>;
}

const MasterItemSchema = z.object({
  user: z.string(),
  current: EnvelopeSchema.optional(),
  pending: EnvelopeSchema.optional(),
  version: z.number(),
});

const RoleItemSchema = z.object({
  user: z.string(),
  tier: z.enum(['ro', 'rw', 'ddl']),
  password: EnvelopeSchema,
  state: z.enum(['pending', 'current']),
});

const masterContext = (dbArn: string) => ({ purpose: 'dbroles-master', db_arn: dbArn });
const offeredContext = (jobId: string) => ({ purpose: 'dbroles-offered-master', job_id: jobId });
const roleContext = (dbArn: string, user: string) => ({ purpose: 'dbroles-role', db_arn: dbArn, user });

export class DynamoCredentialStore implements CredentialStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cipher: CredentialCipher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async getMaster(dbArn: string): Promise<MasterCredentials | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: masterCredentialKey(dbArn), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const item = MasterItemSchema.parse(out.Item);
    const context = masterContext(dbArn);
    return {
      user: item.user,
      version: item.version,
      current: item.current && (await this.cipher.decrypt(item.current, context)),
      pending: item.pending && (await this.cipher.decrypt(item.pending, context)),
    };
  }

  async writePendingMaster(dbArn: string, user: string, password: string, expectedVersion: number): Promise<number> {
    const pending = await this.cipher.encrypt(password, masterContext(dbArn));
    const version = expectedVersion + 1;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: masterCredentialKey(dbArn),
          UpdateExpression: 'SET #user = :user, pending = :pending, pending_at = :now, version = :version, db_arn = :arn',
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ExpressionAttributeNames: { '#user': 'user' },
          ExpressionAttributeValues: {
            ':user': user,
            ':pending': pending,
            ':now': this.clock().toISOString(),
            ':version': version,
            ':arn': dbArn,
            ...(expectedVersion === 0 ? {} : { ':expected': expectedVersion }),
          },
        }),
      );
      return version;
    } catch (error) {
      if (isConditionFailed(error)) throw new ConflictError(`master credentials of "${dbArn}" changed meanwhile; retry the step`, { cause: error });
      throw error;
    }
  }

  async promotePendingMaster(dbArn: string, password: string): Promise<void> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: masterCredentialKey(dbArn), ConsistentRead: true }));
    const item = out.Item ? MasterItemSchema.parse(out.Item) : undefined;
    const context = masterContext(dbArn);
    if (!item?.pending || (await this.cipher.decrypt(item.pending, context)) !== password) {
      // Already promoted by an earlier attempt of the same step: nothing to do.
      if (item?.current && (await this.cipher.decrypt(item.current, context)) === password) return;
      throw new ConflictError(`the pending master password of "${dbArn}" is not the one that logged in; retry the step`);
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: masterCredentialKey(dbArn),
          UpdateExpression: 'SET #current = :pending, version = :next, promoted_at = :now REMOVE pending, pending_at',
          ConditionExpression: 'version = :version',
          ExpressionAttributeNames: { '#current': 'current' },
          ExpressionAttributeValues: { ':pending': item.pending, ':version': item.version, ':next': item.version + 1, ':now': this.clock().toISOString() },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) throw new ConflictError(`master credentials of "${dbArn}" changed meanwhile; retry the step`, { cause: error });
      throw error;
    }
  }

  async putCurrentMaster(dbArn: string, user: string, password: string): Promise<void> {
    const current = await this.cipher.encrypt(password, masterContext(dbArn));
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: masterCredentialKey(dbArn),
        UpdateExpression: 'SET #user = :user, #current = :current, version = if_not_exists(version, :zero) + :one, db_arn = :arn REMOVE pending',
        ExpressionAttributeNames: { '#user': 'user', '#current': 'current' },
        ExpressionAttributeValues: { ':user': user, ':current': current, ':zero': 0, ':one': 1, ':arn': dbArn },
      }),
    );
  }

  async putOfferedMaster(jobId: string, password: string): Promise<void> {
    const envelope = await this.cipher.encrypt(password, offeredContext(jobId));
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...offeredMasterKey(jobId), password: envelope } }));
  }

  async getOfferedMaster(jobId: string): Promise<string | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: offeredMasterKey(jobId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    return this.cipher.decrypt(EnvelopeSchema.parse(out.Item.password), offeredContext(jobId));
  }

  async deleteOfferedMaster(jobId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: offeredMasterKey(jobId) }));
  }

  async putRole(dbArn: string, credentials: RoleCredentials): Promise<void> {
    const password = await this.cipher.encrypt(credentials.password, roleContext(dbArn, credentials.user));
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...roleCredentialKey(dbArn, credentials.user),
          db_arn: dbArn,
          user: credentials.user,
          tier: credentials.tier,
          password,
          state: credentials.state,
          updated_at: this.clock().toISOString(),
        },
      }),
    );
  }

  async getRole(dbArn: string, user: string): Promise<RoleCredentials | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: roleCredentialKey(dbArn, user), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const item = RoleItemSchema.parse(out.Item);
    return { user: item.user, tier: item.tier, state: item.state, password: await this.cipher.decrypt(item.password, roleContext(dbArn, user)) };
  }
}
