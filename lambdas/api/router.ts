import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { JobServiceDeps, JobStarter } from '../core/job-service.ts';
import type { BaseDeps, SecretStoreDeps } from '../core/steps/deps.ts';
import type { SecretStores } from '../core/secrets/secret-stores.ts';
import type { ConnectionStore } from '../core/store/connection-store.ts';
import { CREDENTIALS_ROUTE, getConnection, getConnectionCredentials, listConnections } from './connections.ts';
import { json, toHttpResponse, type HttpResponse } from './http-errors.ts';
import { deleteAccessKeys, describeDbInstances, getOrganizations, getUserInfo, putAccessKeys, type IntegrationDeps } from './integrations.ts';
import { getJob, listJobDatabases, listJobPlan, listJobs, postJob } from './jobs.ts';
import { openApiDocument } from './openapi.ts';
import { apiRequest, type ApiRequest } from './request.ts';

export interface ApiDeps extends JobServiceDeps, IntegrationDeps {
  readonly connections: ConnectionStore;
  readonly secretStores: SecretStores;
  /** Where each read of credentials is logged (a structured line, never the password). */
  readonly auditLog?: (event: Record<string, unknown>) => void;
}

/** The API's dependencies, from the workflow's (one set of stores and AWS access) plus how jobs start. */
export function apiDepsFrom(w: BaseDeps & SecretStoreDeps, defaultRegion: string, starter: JobStarter, auditLog?: ApiDeps['auditLog']): ApiDeps {
  if (!w.awsSettings) throw new Error('the API needs the AWS settings store');
  return {
    jobs: w.jobs,
    credentials: w.credentials,
    secretStores: w.secretStores,
    connections: w.connections,
    aws: w.aws,
    awsSettings: w.awsSettings,
    defaultRegion,
    discoveryRegions: w.config.discoveryRegions,
    clock: w.clock,
    orgId: w.config.orgId,
    starter,
    auditLog,
    allowLinkLocal: w.config.allowLinkLocal,
  };
}

type Route = { method: string; path: string; run: (request: ApiRequest, deps: ApiDeps) => Promise<HttpResponse> };

/** Every route of DESIGN.md's API. `{name}` matches one path segment. */
export const ROUTES: Route[] = [
  { method: 'POST', path: '/api/dbroles/jobs', run: postJob },
  { method: 'GET', path: '/api/dbroles/jobs', run: listJobs },
  { method: 'GET', path: '/api/dbroles/jobs/{id}', run: getJob },
  { method: 'GET', path: '/api/dbroles/jobs/{id}/databases', run: listJobDatabases },
  { method: 'GET', path: '/api/dbroles/jobs/{id}/plan', run: listJobPlan },
  { method: 'GET', path: '/api/dbroles/{id}', run: getJob },
  { method: 'GET', path: '/api/connections', run: (r, d) => listConnections(r, d.connections) },
  { method: 'GET', path: '/api/connections/{name}', run: (r, d) => getConnection(r, d.connections) },
  { method: 'GET', path: CREDENTIALS_ROUTE, run: getConnectionCredentials },
  { method: 'GET', path: '/api/openapi.json', run: async () => json(200, openApiDocument()) },
  { method: 'GET', path: '/api/integrations/aws/organizations', run: getOrganizations },
  { method: 'POST', path: '/api/integrations/aws/rds/describe-db-instances', run: describeDbInstances },
  { method: 'PUT', path: '/api/integrations/aws/iam/accesskeys', run: putAccessKeys },
  { method: 'DELETE', path: '/api/integrations/aws/iam/accesskeys', run: deleteAccessKeys },
  { method: 'GET', path: '/api/integrations/aws/iam/userinfo', run: getUserInfo },
];

const compiled = ROUTES.map((route) => ({
  ...route,
  pattern: new RegExp(`^${route.path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}/?$`),
}));

/** Routes one HTTP API (payload v2) event. Never throws: errors become JSON responses by http-errors.ts. */
export async function routeRequest(event: APIGatewayProxyEventV2, deps: ApiDeps): Promise<HttpResponse> {
  try {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    const matches = compiled.map((r) => ({ route: r, match: r.pattern.exec(path) })).filter((m) => m.match);
    const hit = matches.find((m) => m.route.method === method);
    if (!hit?.match) {
      return matches.length > 0 ? json(405, { message: `${method} is not allowed on ${path}` }) : json(404, { message: `no route for ${method} ${path}` });
    }
    const params = Object.fromEntries(Object.entries(hit.match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    return await hit.route.run(apiRequest({ ...event, pathParameters: { ...event.pathParameters, ...params } }), deps);
  } catch (error) {
    return toHttpResponse(error);
  }
}
