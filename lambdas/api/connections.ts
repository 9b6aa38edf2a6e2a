import { z } from 'zod';
import type { ConnectionStore } from '../core/store/connection-store.ts';
import { json, type HttpResponse } from './http-errors.ts';
import type { ApiRequest } from './request.ts';

/** GET /api/connections: resource roles. They hold references to credentials, never a password. */
export async function listConnections(_request: ApiRequest, connections: ConnectionStore): Promise<HttpResponse> {
  return json(200, { items: await connections.list() });
}

export async function getConnection(request: ApiRequest, connections: ConnectionStore): Promise<HttpResponse> {
  const name = z.string().min(1).max(200).parse(request.pathParameters.name);
  return json(200, await connections.get(name));
}
