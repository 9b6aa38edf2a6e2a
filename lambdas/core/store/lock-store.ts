import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LockHeldError } from '../errors.ts';
import { isConditionFailed } from './dynamo.ts';
import { lockKey } from './keys.ts';

/** One lock per database, with a lease so a crashed holder cannot block it forever. */
export interface LockStore {
  /**
   * Takes the lock for `owner`, or renews it when `owner` already holds it. Throws LockHeldError
   * naming the holder when another owner's lease has not expired.
   */
  acquire(resource: string, owner: string, leaseSeconds: number, now: Date): Promise<void>;
  /** Releases the lock when `owner` holds it; otherwise does nothing. Idempotent. */
  release(resource: string, owner: string): Promise<void>;
}

export class DynamoLockStore implements LockStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async acquire(resource: string, owner: string, leaseSeconds: number, now: Date): Promise<void> {
    const expiresAt = new Date(now.getTime() + leaseSeconds * 1000).toISOString();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...lockKey(resource), owner, acquired_at: now.toISOString(), expires_at: expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner OR expires_at < :now',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner, ':now': now.toISOString() },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const held = await this.doc.send(new GetCommand({ TableName: this.table, Key: lockKey(resource), ConsistentRead: true }));
      const holder = String(held.Item?.owner ?? 'another job');
      const until = String(held.Item?.expires_at ?? 'unknown');
      throw new LockHeldError(`database "${resource}" is being provisioned by job "${holder}" (lock held until ${until}); wait for it to finish`, {
        cause: error,
      });
    }
  }

  async release(resource: string, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: lockKey(resource),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}
