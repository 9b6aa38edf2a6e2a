import { Agent } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UsageError } from '../errors.ts';

/** A DocumentClient that drops undefined values, so optional fields never reach DynamoDB as NULL-less errors. */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** True for DynamoDB's answer to a failed condition expression. */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** A DynamoDB LastEvaluatedKey as an opaque page token; undefined when there is no next page. */
export function encodePageToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** The key attributes a page token may carry: the table's and its index's keys, all strings. */
const PAGE_KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** The ExclusiveStartKey a page token stands for. Throws UsageError for a token this API did not make. */
export function decodePageToken(token: string | undefined): Record<string, unknown> | undefined {
  if (!token) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const entries = key && typeof key === 'object' && !Array.isArray(key) ? Object.entries(key) : [];
  if (entries.length === 0 || entries.some(([k, v]) => !PAGE_KEY_ATTRIBUTES.has(k) || typeof v !== 'string' || v.length > 2048)) {
    throw new UsageError('next_token: is not a token this API returned');
  }
  return key as Record<string, unknown>;
}

/** An HTTP agent whose every connection goes to one unix socket. */
function unixSocketAgent(socketPath: string): Agent {
  const agent = new Agent({ keepAlive: true });
  (agent as unknown as { createConnection: () => Socket }).createConnection = () => createConnection(socketPath);
  return agent;
}

/** The client configuration for a local DynamoDB (dynalite): dummy credentials, over a unix socket when given one. */
export function localDynamoConfig(endpoint: string, socketPath?: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...(socketPath ? { requestHandler: new NodeHttpHandler({ httpAgent: unixSocketAgent(socketPath) }) } : {}),
  };
}
