import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError } from '../errors.ts';
import { EnvelopeSchema, type CredentialCipher } from '../secrets/cipher.ts';
import { isConditionFailed } from './dynamo.ts';
import { legacyMasterCredentialKey, masterCredentialKey, offeredMasterKey } from './keys.ts';

/** Decrypted master credentials. `pending` is a password written ahead of a reset: it may or may not be live yet. */
export interface MasterCredentials {
  readonly user: string;
  readonly current?: string;
  readonly pending?: string;
  readonly version: number;
}

/**
 * Encrypted master credentials per server and master user. Plaintext passwords cross this
 * interface only; stored items hold envelopes. Writes are conditional on a version, so a reset
 * never overwrites a newer one. A server's item from before the per-user key is read as a
 * fallback and moved under the new key by the next write, so an upgrade never triggers a reset.
 */
export interface CredentialStore {
  getMaster(dbArn: string, user: string): Promise<MasterCredentials | undefined>;
  /** Whether any master of the server has a current password stored. */
  hasMaster(dbArn: string): Promise<boolean>;
  /** Writes a new pending master password ahead of changing it in RDS. ConflictError when `expectedVersion` is stale. */
  writePendingMaster(dbArn: string, user: string, password: string, expectedVersion: number): Promise<number>;
  /** Makes `password` (which must be the pending one) the current password and clears pending. */
  promotePendingMaster(dbArn: string, user: string, password: string): Promise<void>;
  /** Stores a master password known to be live (a database given directly). */
  putCurrentMaster(dbArn: string, user: string, password: string): Promise<void>;
  /** Keeps the master password a job was given, encrypted, apart from the verified ones (nothing is overwritten before it logs in). */
  putOfferedMaster(jobId: string, password: string): Promise<void>;
  getOfferedMaster(jobId: string): Promise<string | undefined>;
  deleteOfferedMaster(jobId: string): Promise<void>;
}

const MasterItemSchema = z.object({
  user: z.string(),
  current: EnvelopeSchema.optional(),
  pending: EnvelopeSchema.optional(),
  version: z.number(),
});
type MasterItem = z.infer<typeof MasterItemSchema>;

const masterContext = (dbArn: string) => ({ purpose: 'dbroles-master', db_arn: dbArn });
const offeredContext = (jobId: string) => ({ purpose: 'dbroles-offered-master', job_id: jobId });

export class DynamoCredentialStore implements CredentialStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cipher: CredentialCipher,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private async readItem(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    return (await this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
  }

  /** The master's item: under the per-user key, else the server's legacy item when it is this user's. */
  private async readMaster(dbArn: string, user: string): Promise<{ item: MasterItem; legacy: boolean } | undefined> {
    const keyed = await this.readItem(masterCredentialKey(dbArn, user));
    if (keyed) return { item: MasterItemSchema.parse(keyed), legacy: false };
    const legacy = await this.readItem(legacyMasterCredentialKey(dbArn));
    if (!legacy) return undefined;
    const item = MasterItemSchema.parse(legacy);
    return item.user === user ? { item, legacy: true } : undefined;
  }

  /** Moves a legacy item under the per-user key (same envelopes, same version) before a write. */
  private async migrateLegacy(dbArn: string, user: string): Promise<void> {
    const found = await this.readMaster(dbArn, user);
    if (!found?.legacy) return;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...found.item, ...masterCredentialKey(dbArn, user), db_arn: dbArn, migrated_at: this.clock().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: legacyMasterCredentialKey(dbArn) }));
  }

  async getMaster(dbArn: string, user: string): Promise<MasterCredentials | undefined> {
    const found = await this.readMaster(dbArn, user);
    if (!found) return undefined;
    const { item } = found;
    const context = masterContext(dbArn);
    return {
      user: item.user,
      version: item.version,
      current: item.current && (await this.cipher.decrypt(item.current, context)),
      pending: item.pending && (await this.cipher.decrypt(item.pending, context)),
    };
  }

  async hasMaster(dbArn: string): Promise<boolean> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :master)',
        FilterExpression: 'attribute_exists(#current)',
        ExpressionAttributeNames: { '#current': 'current' },
        ExpressionAttributeValues: { ':pk': `CRED#${dbArn}`, ':master': 'MASTER' },
        ProjectionExpression: 'pk',
      }),
    );
    return (out.Items ?? []).length > 0;
  }

  async writePendingMaster(dbArn: string, user: string, password: string, expectedVersion: number): Promise<number> {
    await this.migrateLegacy(dbArn, user);
    const pending = await this.cipher.encrypt(password, masterContext(dbArn));
    const version = expectedVersion + 1;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: masterCredentialKey(dbArn, user),
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

  async promotePendingMaster(dbArn: string, user: string, password: string): Promise<void> {
    await this.migrateLegacy(dbArn, user);
    const raw = await this.readItem(masterCredentialKey(dbArn, user));
    const item = raw ? MasterItemSchema.parse(raw) : undefined;
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
          Key: masterCredentialKey(dbArn, user),
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
    await this.migrateLegacy(dbArn, user);
    const current = await this.cipher.encrypt(password, masterContext(dbArn));
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: masterCredentialKey(dbArn, user),
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
}
