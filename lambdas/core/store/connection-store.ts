import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError, NotFoundError } from '../errors.ts';
import { SECRETS_PROVIDERS } from '../secrets/types.ts';
import { isConditionFailed } from './dynamo.ts';
import { connectionKey, connectionListKey, TABLE_KEYS } from './keys.ts';

export const DB_ARN_TAG = 'hoop.dev/aws-connect.dbarn';

/** An environment value: a literal, or a reference to a stored secret (never the secret itself). */
export const ConnectionEnvValueSchema = z.union([
  z.object({ value: z.string() }),
  z.object({
    secret_ref: z.object({ provider: z.enum(SECRETS_PROVIDERS), secret_id: z.string(), key: z.string().optional() }),
    /** The reference as the product we replace writes it, e.g. `_vaultkv2:<path>:PASSWORD`. */
    ref: z.string().optional(),
  }),
]);

/** A resource role: `<prefix>-ro|rw|ddl`, pointing at the credentials of one provisioned user. */
export const ConnectionSchema = z.object({
  name: z.string(),
  type: z.literal('database'),
  subtype: z.enum(['postgres', 'mysql', 'mssql']),
  agent_id: z.string().nullable(),
  db_arn: z.string(),
  role_suffix_name: z.enum(['ro', 'rw', 'ddl']),
  tags: z.record(z.string(), z.string()),
  command: z.array(z.string()),
  env: z.record(z.string(), ConnectionEnvValueSchema),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export interface ConnectionStore {
  /** Creates or replaces a connection of the same database. ConflictError when the name belongs to another database. */
  upsert(connection: Connection): Promise<void>;
  get(name: string): Promise<Connection>;
  list(): Promise<Connection[]>;
}

export class DynamoConnectionStore implements ConnectionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async upsert(connection: Connection): Promise<void> {
    const parsed = ConnectionSchema.parse(connection);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...connectionKey(parsed.name), ...connectionListKey(parsed.name), ...parsed },
          ConditionExpression: 'attribute_not_exists(pk) OR db_arn = :arn',
          ExpressionAttributeValues: { ':arn': parsed.db_arn },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new ConflictError(`connection "${parsed.name}" already exists for another database; choose another connection_prefix_name`, { cause: error });
      }
      throw error;
    }
  }

  async get(name: string): Promise<Connection> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: connectionKey(name) }));
    if (!out.Item) throw new NotFoundError(`connection "${name}" not found`);
    return ConnectionSchema.parse(out.Item);
  }

  async list(): Promise<Connection[]> {
    const items: Connection[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE_KEYS.gsi1,
          KeyConditionExpression: 'gsi1pk = :conns',
          ExpressionAttributeValues: { ':conns': 'CONNS' },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []).map((i) => ConnectionSchema.parse(i)));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
