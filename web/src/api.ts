import { createContext, useContext } from 'react';
import type { ConnectionCredentials } from '../../lambdas/api/connections.ts';
import type { AccountItem, InstanceItem } from '../../lambdas/core/aws/discovery.ts';
import type { DatabaseOutcomeItem, Job, JobRequestInput, PlanItem } from '../../lambdas/core/job.ts';
import type { Connection } from '../../lambdas/core/store/connection-store.ts';

// The API's own types, imported as types only: nothing of the server is bundled into the page.
export type { AccountItem, Connection, ConnectionCredentials, DatabaseOutcomeItem, InstanceItem, Job, JobRequestInput, PlanItem };

export interface UserInfo {
  account_id: string;
  arn: string;
  arn_id: string;
  region: string;
  instance_role_allowed: boolean;
  credentials: 'access-keys' | 'instance-role';
}

export interface Page<T> {
  items: T[];
  next_token: string | null;
}

/** An API answer that was not a success, in the API's own words. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** What the person reads: the API's message; a status code only explains a missing one. */
function plainWords(status: number, body: Record<string, unknown>): string {
  const message = typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : undefined;
  if (status === 401) return message ?? 'The API did not accept the token.';
  if (status === 403) return `Not permitted: ${message ?? 'your role does not allow this action.'}`;
  return message ?? 'The dbroles API did not answer as expected; try again, and check its log if it keeps happening.';
}

export type Transport = (path: string, init: RequestInit) => Promise<Response>;

export class Api {
  constructor(private readonly transport: Transport) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.transport(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(`Cannot reach the dbroles API (${(error as Error).message}). Is it running?`, 0);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const errorBody = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
      throw new ApiError(plainWords(response.status, errorBody), response.status, errorBody);
    }
    return parsed as T;
  }

  userInfo = () => this.request<UserInfo>('GET', '/api/integrations/aws/iam/userinfo');
  putAwsSettings = (settings: { region: string; access_key_id?: string; secret_access_key?: string; session_token?: string }) =>
    this.request<void>('PUT', '/api/integrations/aws/iam/accesskeys', settings);
  deleteAccessKeys = () => this.request<void>('DELETE', '/api/integrations/aws/iam/accesskeys');
  accounts = () => this.request<{ items: AccountItem[] }>('GET', '/api/integrations/aws/organizations');
  databases = (body: { account_ids?: string[]; regions?: string[] }) => this.request<{ items: InstanceItem[] }>('POST', '/api/integrations/aws/rds/describe-db-instances', body);
  startJob = (request: JobRequestInput) => this.request<{ job_id: string }>('POST', '/api/dbroles/jobs', request);
  jobs = (nextToken?: string) => this.request<Page<Job>>('GET', `/api/dbroles/jobs?limit=50${nextToken ? `&next_token=${encodeURIComponent(nextToken)}` : ''}`);
  job = (id: string) => this.request<Job>('GET', `/api/dbroles/jobs/${encodeURIComponent(id)}`);
  jobDatabases = (id: string, nextToken?: string) =>
    this.request<Page<DatabaseOutcomeItem>>('GET', `/api/dbroles/jobs/${encodeURIComponent(id)}/databases?limit=1000${nextToken ? `&next_token=${encodeURIComponent(nextToken)}` : ''}`);
  jobPlan = (id: string, nextToken?: string) =>
    this.request<Page<PlanItem>>('GET', `/api/dbroles/jobs/${encodeURIComponent(id)}/plan?limit=1000${nextToken ? `&next_token=${encodeURIComponent(nextToken)}` : ''}`);
  connections = () => this.request<{ items: Connection[] }>('GET', '/api/connections');
  credentials = (name: string) => this.request<ConnectionCredentials>('GET', `/api/connections/${encodeURIComponent(name)}/credentials`);
}

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

/** A message for any error a query or mutation ends with. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
