import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { describeZodError, toHttpResponse } from '../../../lambdas/api/http-errors.ts';
import { ConflictError, DbrolesError, LockHeldError, NotFoundError, UsageError } from '../../../lambdas/core/errors.ts';

const answer = (error: unknown) => {
  const r = toHttpResponse(error);
  return { status: r.statusCode, body: JSON.parse(r.body) as { message: string } };
};

describe('the table from error to HTTP status', () => {
  it('names each bad field of a request in one line', () => {
    const parsed = z.object({ connection_prefix_name: z.string().regex(/^a$/, 'must be a'), aws: z.object({ instance_arn: z.string() }) }).safeParse({ connection_prefix_name: 'b', aws: {} });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeZodError(parsed.error)).toBe('connection_prefix_name: must be a; aws.instance_arn: Invalid input: expected string, received undefined');
    expect(answer(parsed.error)).toEqual({ status: 400, body: { message: describeZodError(parsed.error) } });
  });

  it.each([
    [new UsageError('connection_prefix_name: bad'), 400, 'connection_prefix_name: bad'],
    [new URIError('URI malformed'), 400, 'path: is not valid URL encoding'],
    [new NotFoundError('job "x" not found'), 404, 'job "x" not found'],
    [new ConflictError('connection "a" belongs to another database'), 409, 'connection "a" belongs to another database'],
    [new LockHeldError('the database is being provisioned by job y'), 409, 'the database is being provisioned by job y'],
    [Object.assign(new Error('too big'), { statusCode: 413 }), 413, 'body too large'],
    [new DbrolesError('STS GetCallerIdentity returned no account'), 502, 'STS GetCallerIdentity returned no account'],
  ])('answers %s with %i and its own message', (error, status, message) => {
    expect(answer(error)).toEqual({ status, body: { message } });
  });

  it('answers anything unexpected with a 500 that says nothing of the cause', () => {
    const leaky = new Error('connect ECONNREFUSED postgres://admin:hunter2@db.internal:5432');
    expect(answer(leaky)).toEqual({ status: 500, body: { message: 'internal error' } });
    expect(toHttpResponse(leaky).body).not.toContain('hunter2');
    expect(toHttpResponse(leaky).headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  });
});
