import type { ConnectionTarget, RoleTier } from '../engines/types.ts';
import type { Job, JobRecord } from '../job.ts';
import type { ProvisionReport } from '../provision.ts';
import type { SecretStores } from '../secrets/secret-stores.ts';
import type { RoleSecret, SecretsProvider } from '../secrets/types.ts';

/** The seed's `db_credentials` (hoop's `HOOP_AWS_CONNECT_RESPONSE`). `password` is a secret. */
export interface DbCredentials {
  host: string;
  port: string;
  user: string;
  password: string;
  default_database: string;
  options: Record<string, string>;
  secrets_manager_provider: SecretsProvider;
  secret_id: string;
  secret_keys: string[];
}

export interface RoleResponse {
  db_credentials: DbCredentials | null;
  role_suffix_name: string;
  status: 'completed' | 'failed';
  message: string;
  completed_at: string;
  /** Additive to the seed, in `dbroles provision`'s output only: the hook's variable must stay small. */
  databases?: Array<{ database: string; status: 'completed' | 'failed'; message: string }>;
}

/** The seed's provisioner response object (`HOOP_AWS_CONNECT_RESPONSE`): `{sid, status, message, result}`. */
export interface ProvisionerResponse {
  sid: string;
  status: 'completed' | 'failed';
  message: string;
  result: RoleResponse[];
}

/** The seed's request object (`HOOP_AWS_CONNECT_REQUEST`). `master_password` is a secret. */
export interface HookRequest {
  org_id: string;
  sid: string;
  resource_id: string;
  hostname: string;
  /** A string, as in the seed. */
  port: string;
  master_user: string;
  master_password: string;
  database_type: string;
  /** One single-key object per tag, as in the seed: `[{"owner": "someone@mycorp.com"}]`. */
  database_tags: Array<Record<string, string>>;
  vault_provider: { secret_id: string } | null;
}

/** Where a provisioned user's credentials are, with the credentials (a secret). */
export interface StoredCredentials {
  readonly secret: RoleSecret;
  readonly provider: SecretsProvider;
  readonly secretId: string;
  readonly secretKeys: string[];
}

function dbCredentials(credentials: StoredCredentials): DbCredentials {
  const { secret } = credentials;
  return {
    host: secret.host,
    port: String(secret.port),
    user: secret.user,
    password: secret.password,
    default_database: secret.database,
    options: {},
    secrets_manager_provider: credentials.provider,
    secret_id: credentials.secretId,
    secret_keys: credentials.secretKeys,
  };
}

/** The runbook hook's REQUEST from a job, the server it ran on and the master password it used (a secret). */
export function buildHookRequest(record: JobRecord, server: { host: string; port: number; master_user: string }, masterPassword: string): HookRequest {
  const { job, request } = record;
  return {
    org_id: job.org_id,
    sid: job.id,
    resource_id: job.spec.db_arn,
    hostname: server.host,
    port: String(server.port),
    master_user: server.master_user,
    master_password: masterPassword,
    database_type: job.spec.db_engine,
    database_tags: job.spec.db_tags.map((t) => ({ [t.key]: t.value })),
    vault_provider: request.vault_provider ? { secret_id: request.vault_provider.secret_id } : null,
  };
}

/**
 * The runbook hook's RESPONSE from a finished job and the credentials each completed role holds
 * (read back from the job's store). A failed role has `db_credentials: null` and
 * `role_suffix_name: ""`, as in the seed's example. Only the seed's fields: per-database detail
 * could push the variable past Linux's 128 KiB limit on one environment string.
 */
export function buildHookResponse(job: Job, credentials: Partial<Record<RoleTier, StoredCredentials>>): ProvisionerResponse {
  return {
    sid: job.id,
    status: job.status.phase === 'completed' ? 'completed' : 'failed',
    message: job.status.message,
    result: job.status.result.map((r) => {
      const stored = credentials[r.role_suffix_name];
      const ok = r.status === 'completed' && stored !== undefined;
      return {
        db_credentials: ok ? dbCredentials(stored) : null,
        role_suffix_name: ok ? r.role_suffix_name : '',
        status: r.status,
        message: r.message,
        completed_at: r.completed_at,
      };
    }),
  };
}

/**
 * `dbroles provision`'s output: the same RESPONSE, from a report. It holds no stored credentials, so
 * a role has credentials whenever its password was set, failed or not (a set password is never
 * lost); `null` only when the user's password did not change.
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
          : dbCredentials({
              secret: { host: target.host, port: target.port, user: role.user, password: role.password, database: report.defaultDatabase },
              provider: 'database',
              secretId: '',
              secretKeys: [],
            }),
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

/** Reads back, from the store each role's `credentials_info` names, the credentials of a finished job's completed roles. */
export async function loadStoredCredentials(job: Job, stores: Pick<SecretStores, 'reader'>): Promise<Partial<Record<RoleTier, StoredCredentials>>> {
  const entries = await Promise.all(
    job.status.result
      // An IAM user has no secret to read back.
      .filter((r) => r.status === 'completed' && r.credentials_info && r.credentials_info.secrets_manager_provider !== 'iam')
      .map(async (r) => {
        const info = r.credentials_info as NonNullable<typeof r.credentials_info>;
        const provider = info.secrets_manager_provider as Exclude<typeof info.secrets_manager_provider, 'iam'>;
        const secret = await stores.reader(provider).read(info.secret_id);
        return [r.role_suffix_name, { secret, provider, secretId: info.secret_id, secretKeys: info.secret_keys }] as const;
      }),
  );
  return Object.fromEntries(entries);
}
