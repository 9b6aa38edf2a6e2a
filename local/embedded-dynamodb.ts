import { chmod, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { localDynamoConfig } from '../lambdas/core/store/dynamo.ts';
import { TABLE_KEYS } from '../lambdas/core/store/keys.ts';

export interface EmbeddedDynamo {
  readonly endpoint: string;
  /** Set when dynalite listens on a unix socket rather than a TCP port. */
  readonly socketPath?: string;
  stop(): Promise<void>;
}

/**
 * Starts dynalite: in memory, or persisted under `path` (LevelDB). On a TCP port of 127.0.0.1 (tests),
 * or on `socketPath`, a unix socket: the local runtime keeps it in its 0700 data dir, so neither
 * another local user nor a web page (dynalite answers CORS with `*`) can reach the store.
 */
export async function startDynalite(options: { path?: string; port?: number; socketPath?: string } = {}): Promise<EmbeddedDynamo> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  if (options.socketPath) await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.socketPath) server.listen(options.socketPath, () => resolve());
    else server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  if (options.socketPath) await chmod(options.socketPath, 0o600);
  const endpoint = options.socketPath ? 'http://dynalite.local' : `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    socketPath: options.socketPath,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A DynamoDB client configuration for dynalite, over its unix socket when it has one. */
export function dynamoClientConfig(endpoint: string, socketPath?: string): DynamoDBClientConfig {
  return localDynamoConfig(endpoint, socketPath);
}

/** Credentials dynalite accepts; it checks none. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Waits until the table is ACTIVE: dynalite answers ResourceNotFoundException to a query while a new
 * table is still CREATING, even with createTableMs 0 (its switch to ACTIVE is a timer, late on a busy machine).
 */
async function untilActive(client: DynamoDBClient, table: string): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 20) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the local table ${table} did not become ACTIVE`);
}

/** Creates the dbroles table (the same keys as lib/storage.ts) unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(endpoint: string, table: string, socketPath?: string): Promise<void> {
  const client = new DynamoDBClient(dynamoClientConfig(endpoint, socketPath));
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return await untilActive(client, table);
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  const { partitionKey, sortKey, gsi1, gsi1PartitionKey, gsi1SortKey } = TABLE_KEYS;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, sortKey, gsi1PartitionKey, gsi1SortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: gsi1,
          KeySchema: [
            { AttributeName: gsi1PartitionKey, KeyType: 'HASH' },
            { AttributeName: gsi1SortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await untilActive(client, table);
}
