import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { UsageError } from '../core/errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/** What a route reads from an HTTP API (payload v2) event. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string | undefined>;
  readonly pathParameters: Record<string, string | undefined>;
  /** Who called: the IAM principal API Gateway authorized, else the local token holder and address. */
  readonly caller: string;
  jsonBody(): unknown;
}

export function apiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query: event.queryStringParameters ?? {},
    pathParameters: event.pathParameters ?? {},
    caller:
      (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam?.userArn ??
      `bearer-token@${event.requestContext.http.sourceIp || 'unknown'}`,
    jsonBody() {
      const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
      if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw Object.assign(new Error('body too large'), { statusCode: 413 });
      if (raw.trim() === '') throw new UsageError('body: a JSON object is required');
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new UsageError('body: is not valid JSON');
      }
    },
  };
}
