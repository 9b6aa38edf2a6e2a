import type { ConnectionTarget } from './engines/types.ts';
import type { ProvisionReport } from './provision.ts';

/** The seed's `db_credentials` (hoop's `HOOP_AWS_CONNECT_RESPONSE`). `password` is a secret. */
export interface DbCredentials {
  host: string;
  port: string;
  user: string;
  password: string;
  default_database: string;
  options: Record<string, string>;
  secrets_manager_provider: 'database' | 'vault' | 'aws-secrets-manager';
  secret_id: string;
  secret_keys: string[];
}

export interface RoleResponse {
  db_credentials: DbCredentials | null;
  role_suffix_name: string;
  status: 'completed' | 'failed';
  message: string;
  completed_at: string;
  /** Additive to the seed: the outcome in each database. */
  databases: Array<{ database: string; status: 'completed' | 'failed'; message: string }>;
}

/** The seed's provisioner response object: `{sid, status, message, result}`. */
export interface ProvisionerResponse {
  sid: string;
  status: 'completed' | 'failed';
  message: string;
  result: RoleResponse[];
}

/**
 * Shapes a report as the seed's response. Credentials are present for every role whose password
 * was set, failed or not; `null` only when the user's password did not change.
 */
export function toProvisionerResponse(sid: string, target: ConnectionTarget, report: ProvisionReport): ProvisionerResponse {
  return {
    sid,
    status: report.status,
    message: report.message,
    result: report.roles.map((role) => ({
      db_credentials:
        role.password === undefined
          ? null
          : {
              host: target.host,
              port: String(target.port),
              user: role.user,
              password: role.password,
              default_database: report.defaultDatabase,
              options: {},
              secrets_manager_provider: 'database',
              secret_id: '',
              secret_keys: [],
            },
      role_suffix_name: role.tier,
      status: role.status,
      message: role.message,
      completed_at: role.completedAt,
      databases: role.databases.map((d) => ({ ...d })),
    })),
  };
}

/** The same response with every password blanked, as the seed does once a secret is stored elsewhere. */
export function withoutPasswords(response: ProvisionerResponse): ProvisionerResponse {
  return {
    ...response,
    result: response.result.map((r) => ({ ...r, db_credentials: r.db_credentials && { ...r.db_credentials, password: '' } })),
  };
}
