import * as z from 'zod';
import { UsageError } from '../core/errors.ts';
import { JobRequestInputSchema, type Job, type JobRecord } from '../core/job.ts';
import { createJob, type JobServiceDeps } from '../core/job-service.ts';
import { json, type HttpResponse } from './http-errors.ts';
import type { ApiRequest } from './request.ts';

export const ListJobsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  next_token: z.string().regex(/^[A-Za-z0-9_-]{1,2048}$/, 'is not a token this API returned').optional(),
});

/** The job object as the API shows it (the record's request stays internal). */
const present = (job: Job): Job => job;

/** POST /api/dbroles/jobs → 202 {job_id}. */
export async function postJob(request: ApiRequest, deps: JobServiceDeps): Promise<HttpResponse> {
  const input = JobRequestInputSchema.parse(request.jsonBody());
  return json(202, await createJob(input, deps));
}

/** GET /api/dbroles/jobs?limit=&next_token= → {items, next_token}, newest first. */
export async function listJobs(request: ApiRequest, deps: JobServiceDeps): Promise<HttpResponse> {
  const query = ListJobsQuerySchema.parse(request.query);
  let page;
  try {
    page = await deps.jobs.list(query.limit, query.next_token);
  } catch (error) {
    if (query.next_token && error instanceof SyntaxError) throw new UsageError('next_token: is not a token this API returned', { cause: error });
    throw error;
  }
  return json(200, { items: page.items.map((r) => present(r.job)), next_token: page.nextToken ?? null });
}

/** GET /api/dbroles/jobs/{id} and its alias GET /api/dbroles/{id}. */
export async function getJob(request: ApiRequest, deps: JobServiceDeps): Promise<HttpResponse> {
  const id = z.string().min(1).max(100).parse(request.pathParameters.id);
  return json(200, present((await deps.jobs.get(id)).job));
}

/**
 * One page of a job's own items (outcomes per database, or a plan), after `check` accepts the job.
 * A `next_token` this API did not return is a 400.
 */
async function jobItemsPage<T>(
  request: ApiRequest,
  deps: JobServiceDeps,
  check: (record: JobRecord, id: string) => void,
  list: (id: string, limit: number, nextToken?: string) => Promise<{ items: T[]; nextToken?: string }>,
): Promise<HttpResponse> {
  const id = z.string().min(1).max(100).parse(request.pathParameters.id);
  const query = ListJobsQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).parse(request.query);
  check(await deps.jobs.get(id), id);
  let page;
  try {
    page = await list(id, query.limit, query.next_token);
  } catch (error) {
    if (query.next_token && error instanceof SyntaxError) throw new UsageError('next_token: is not a token this API returned', { cause: error });
    throw error;
  }
  return json(200, { items: page.items, next_token: page.nextToken ?? null });
}

/** GET /api/dbroles/jobs/{id}/databases?limit=&next_token= → {items: [{user_role, database, status, message}], next_token}. */
export function listJobDatabases(request: ApiRequest, deps: JobServiceDeps): Promise<HttpResponse> {
  return jobItemsPage(request, deps, () => undefined, (id, limit, token) => deps.jobs.listDatabaseOutcomes(id, limit, token));
}

/** GET /api/dbroles/jobs/{id}/plan?limit=&next_token= → {items: [{kind, user, database, action, already_held}], next_token}: a dry-run job's plan. */
export function listJobPlan(request: ApiRequest, deps: JobServiceDeps): Promise<HttpResponse> {
  return jobItemsPage(
    request,
    deps,
    (record, id) => {
      if (!record.request.dry_run) throw new UsageError(`job "${id}" is not a dry run (dry_run: true), so it has no plan`);
    },
    (id, limit, token) => deps.jobs.listPlanItems(id, limit, token),
  );
}
