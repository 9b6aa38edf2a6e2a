import * as z from 'zod';
import { DatabaseOutcomeSchema, JobRequestInputSchema, JobSchema, PlanItemSchema } from '../core/job.ts';
import { SECRETS_PROVIDERS } from '../core/secrets/types.ts';
import { ConnectionSchema } from '../core/store/connection-store.ts';

const ErrorSchema = z.object({ message: z.string() });
const JobListSchema = z.object({ items: z.array(JobSchema), next_token: z.string().nullable() });
const ConnectionListSchema = z.object({ items: z.array(ConnectionSchema) });
const ConnectionCredentialsSchema = z.object({
  name: z.string(),
  host: z.string(),
  port: z.number(),
  user: z.string(),
  password: z.string(),
  database: z.string(),
  provider: z.enum(SECRETS_PROVIDERS),
  secret_id: z.string(),
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const errors = {
  '400': { description: 'bad input; the message names the field', ...body('Error') },
  '401': { description: 'missing or wrong credentials', ...body('Error') },
};

/** The OpenAPI 3.1 document, generated from the same zod schemas the handler validates with. */
export function openApiDocument(): Record<string, unknown> {
  const schema = (s: z.ZodType, io: 'input' | 'output' = 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });
  const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
  return {
    openapi: '3.1.0',
    info: { title: 'dbroles', version: '0.1.0', description: 'Provision hoop_ro, hoop_rw and hoop_ddl in every database of an RDS instance or a database given directly.' },
    paths: {
      '/api/dbroles/jobs': {
        post: {
          summary: 'Create a provisioning job',
          requestBody: { required: true, ...body('JobRequest') },
          responses: { '202': { description: 'accepted', content: { 'application/json': { schema: { type: 'object', properties: { job_id: { type: 'string' } }, required: ['job_id'] } } } }, ...errors },
        },
        get: {
          summary: 'List jobs, newest first',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'next_token', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'a page of jobs', ...body('JobList') }, ...errors },
        },
      },
      '/api/dbroles/jobs/{id}': { get: { summary: 'One job', parameters: [idParam('id')], responses: { '200': { description: 'the job', ...body('Job') }, '404': { description: 'no such job', ...body('Error') } } } },
      '/api/dbroles/jobs/{id}/databases': {
        get: {
          summary: "A job's outcome per role and database, paged",
          parameters: [idParam('id'), { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }, { name: 'next_token', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'a page of outcomes', ...body('DatabaseOutcomeList') }, '404': { description: 'no such job', ...body('Error') } },
        },
      },
      '/api/dbroles/jobs/{id}/plan': {
        get: {
          summary: "A dry-run job's plan: each change it would make, in step order, passwords REDACTED, paged",
          parameters: [idParam('id'), { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }, { name: 'next_token', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'a page of plan items', ...body('PlanItemList') }, '400': { description: 'not a dry-run job', ...body('Error') }, '404': { description: 'no such job', ...body('Error') } },
        },
      },
      '/api/dbroles/{id}': { get: { summary: 'One job (alias)', parameters: [idParam('id')], responses: { '200': { description: 'the job', ...body('Job') }, '404': { description: 'no such job', ...body('Error') } } } },
      '/api/connections': { get: { summary: 'Resource roles (no passwords)', responses: { '200': { description: 'connections', ...body('ConnectionList') } } } },
      '/api/connections/{name}': {
        get: { summary: 'One resource role', parameters: [idParam('name')], responses: { '200': { description: 'the connection', ...body('Connection') }, '404': { description: 'no such connection', ...body('Error') } } },
      },
      '/api/connections/{name}/credentials': {
        get: {
          summary: "One resource role's current credentials, read from the store that holds them (logged; its own IAM policy)",
          parameters: [idParam('name')],
          responses: { '200': { description: 'the credentials, password included', ...body('ConnectionCredentials') }, '404': { description: 'no such connection or credentials', ...body('Error') } },
        },
      },
      '/api/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      schemas: {
        JobRequest: schema(JobRequestInputSchema, 'input'),
        Job: schema(JobSchema),
        JobList: schema(JobListSchema),
        Connection: schema(ConnectionSchema),
        ConnectionList: schema(ConnectionListSchema),
        ConnectionCredentials: schema(ConnectionCredentialsSchema),
        DatabaseOutcomeList: schema(z.object({ items: z.array(DatabaseOutcomeSchema), next_token: z.string().nullable() })),
        PlanItemList: schema(z.object({ items: z.array(PlanItemSchema), next_token: z.string().nullable() })),
        Error: schema(ErrorSchema),
      },
    },
  };
}
