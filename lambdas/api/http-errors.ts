import { ZodError } from 'zod';
import { ConflictError, DbrolesError, LockHeldError, NotFoundError, UsageError } from '../core/errors.ts';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function json(statusCode: number, value: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) };
}

/** A ZodError as one line naming each field: `connection_prefix_name: must be ...; aws.instance_arn: ...`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

/** The one table from error to HTTP status. Bad input is a 4xx, never a 500; a 500 says nothing of the cause. */
export function toHttpResponse(error: unknown): HttpResponse {
  if (error instanceof ZodError) return json(400, { message: describeZodError(error) });
  if (error instanceof UsageError) return json(400, { message: error.message });
  if (error instanceof URIError) return json(400, { message: 'path: is not valid URL encoding' });
  if (error instanceof NotFoundError) return json(404, { message: error.message });
  if (error instanceof ConflictError || error instanceof LockHeldError) return json(409, { message: error.message });
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 405) return json(404, { message: 'no such route' });
  if (status === 413) return json(413, { message: 'body too large' });
  if (error instanceof DbrolesError) return json(502, { message: error.message });
  return json(500, { message: 'internal error' });
}
