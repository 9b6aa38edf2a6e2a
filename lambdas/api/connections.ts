import * as z from 'zod';
import { NotFoundError } from '../core/errors.ts';
import type { SecretStores } from '../core/secrets/secret-stores.ts';
import type { SecretsProvider } from '../core/secrets/types.ts';
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

export const CREDENTIALS_ROUTE = '/api/connections/{name}/credentials';

/** What the credentials route returns: the one response that holds a password. */
export interface ConnectionCredentials {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  provider: SecretsProvider;
  secret_id: string;
}

/** What the credentials route returns for an IAM-authenticated user: where to connect, and no password. */
export interface IamConnectionCredentials {
  name: string;
  auth: 'iam';
  host: string;
  port: number;
  user: string;
  database: string;
  /** The `rds-db:connect` resource a token is signed for. */
  resource_arn: string;
}

/**
 * GET /api/connections/{name}/credentials: the connection's current credentials, read from
 * whichever store holds them. Every read is logged (caller, time, connection, store), never the
 * password. Deployed, the route has its own IAM policy.
 */
export async function getConnectionCredentials(
  request: ApiRequest,
  deps: { connections: ConnectionStore; secretStores: SecretStores; auditLog?: (event: Record<string, unknown>) => void; clock: () => Date },
): Promise<HttpResponse> {
  const name = z.string().min(1).max(200).parse(request.pathParameters.name);
  const connection = await deps.connections.get(name);
  const value = (key: string) => {
    const entry = connection.env[key];
    return entry && 'value' in entry ? entry.value : undefined;
  };
  if (value('AUTH') === 'iam') {
    // No password exists: the caller signs a 15-minute token for resource_arn with its own AWS credentials.
    deps.auditLog?.({ event: 'credentials.read', caller: request.caller, at: deps.clock().toISOString(), connection: name, provider: 'iam', secret_id: value('RESOURCE_ARN') });
    const body: IamConnectionCredentials = {
      name,
      auth: 'iam',
      host: value('HOST') ?? '',
      port: Number(value('PORT') ?? 0),
      user: value('USER') ?? '',
      database: value('DB') ?? '',
      resource_arn: value('RESOURCE_ARN') ?? '',
    };
    return json(200, body);
  }
  const pass = connection.env.PASS;
  if (!pass || !('secret_ref' in pass)) throw new NotFoundError(`connection "${name}" holds no reference to stored credentials`);
  const { provider, secret_id } = pass.secret_ref;
  const literal = (key: string) => {
    const entry = connection.env[key];
    return entry && 'value' in entry ? entry.value : undefined;
  };
  const secret = await deps.secretStores.reader(provider).read(secret_id);
  deps.auditLog?.({ event: 'credentials.read', caller: request.caller, at: deps.clock().toISOString(), connection: name, provider, secret_id, user: secret.user });
  const body: ConnectionCredentials = {
    name,
    host: secret.host || (literal('HOST') ?? ''),
    port: secret.port || Number(literal('PORT') ?? 0),
    user: secret.user || (literal('USER') ?? ''),
    password: secret.password,
    database: secret.database || (literal('DB') ?? ''),
    provider,
    secret_id,
  };
  return json(200, body);
}
