import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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

/** The ExclusiveStartKey a page token stands for. Throws SyntaxError for a token this API did not make. */
export function decodePageToken(token: string | undefined): Record<string, unknown> | undefined {
  return token ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined;
}
