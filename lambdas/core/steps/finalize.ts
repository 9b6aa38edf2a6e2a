import * as z from 'zod';
import { ENGINE_FAMILIES } from '../engines/types.ts';
import { ALL_ROLES_PROVISIONED, RoleResultSchema, SOME_ROLES_FAILED, VAULT_SAVE_FAILED, type JobRecord, type RoleResult } from '../job.ts';
import { DB_ARN_TAG, type Connection } from '../store/connection-store.ts';
import { DbTargetSchema, type DbTarget } from '../target.ts';
import { loginDatabase } from './database-login.ts';
import type { BaseDeps } from './deps.ts';
import { verifyStatus } from '../verify.ts';
import { finishPlan } from './dry-run.ts';
import { trackStep } from './progress.ts';

export const FinalizeInputSchema = z.object({ job_id: z.string(), target: DbTargetSchema, results: z.array(RoleResultSchema) });

const SUBTYPES = { postgres: 'postgres', mysql: 'mysql', sqlserver: 'mssql' } as const;
const COMMANDS: Record<Connection['subtype'], string[]> = {
  postgres: ['psql', '-A', '-F\t', '-P', 'pager=off', '-h', '$HOST', '-U', '$USER', '--port=$PORT', '$DB'],
  mysql: ['mysql', '-h$HOST', '-u$USER', '--port=$PORT', '-D$DB'],
  mssql: ['sqlcmd', '--exit-on-error', '--trim-spaces', '-r', '-S$HOST:$PORT', '-U$USER', '-d$DB', '-i/dev/stdin'],
};

/** IAM logins: the token is sent in clear text, so TLS is required (RDS MariaDB takes the MySQL options). */
const IAM_COMMANDS: Record<Connection['subtype'], string[]> = {
  postgres: ['psql', '-A', '-F\t', '-P', 'pager=off', 'host=$HOST port=$PORT user=$USER dbname=$DB sslmode=require'],
  mysql: ['mysql', '-h$HOST', '-u$USER', '--port=$PORT', '-D$DB', '--enable-cleartext-plugin', '--ssl-mode=REQUIRED'],
  mssql: COMMANDS.mssql,
};

type ConnectionEnv = Connection['env'];

/**
 * Connection env entries: values that are not secret, and the password as a reference to the
 * store that holds it. Vault's entries all reference the secret, as the product we replace writes
 * them (`_vaultkv2:<path>:<KEY>`), so a session reads the live values.
 */
function connectionEnv(target: DbTarget, result: RoleResult): ConnectionEnv {
  const info = result.credentials_info;
  const database = loginDatabase(target);
  if (info?.secrets_manager_provider === 'iam') {
    // No password anywhere: the client signs an IAM token for RESOURCE_ARN with its own AWS credentials.
    return { HOST: { value: target.host }, PORT: { value: String(target.port) }, USER: { value: result.user_role }, DB: { value: database }, AUTH: { value: 'iam' }, RESOURCE_ARN: { value: info.secret_id } };
  }
  if (info?.secrets_manager_provider === 'vault') {
    const ref = (key: string) => ({ secret_ref: { provider: 'vault' as const, secret_id: info.secret_id, key }, ref: `_vaultkv2:${info.secret_id}:${key}` });
    return { HOST: ref('HOST'), PORT: ref('PORT'), USER: ref('USER'), PASS: ref('PASSWORD'), DB: ref('DB') };
  }
  const key = info?.secrets_manager_provider === 'aws-secrets-manager' ? 'password' : undefined;
  return {
    HOST: { value: target.host },
    PORT: { value: String(target.port) },
    USER: { value: result.user_role },
    DB: { value: database },
    PASS: { secret_ref: { provider: (info?.secrets_manager_provider as Exclude<NonNullable<typeof info>['secrets_manager_provider'], 'iam'> | undefined) ?? 'database', secret_id: info?.secret_id ?? '', ...(key ? { key } : {}) } },
  };
}

/** The resource role of one provisioned user. Its password is a reference to the stored credential. */
export function connectionFor(record: JobRecord, target: DbTarget, result: RoleResult, now: string): Connection {
  const subtype = SUBTYPES[ENGINE_FAMILIES[target.engine]];
  return {
    name: `${record.request.connection_prefix_name}-${result.role_suffix_name}`,
    type: 'database',
    subtype,
    agent_id: record.request.agent_id ?? null,
    db_arn: target.db_arn,
    role_suffix_name: result.role_suffix_name,
    tags: { [DB_ARN_TAG]: target.db_arn },
    command: result.credentials_info?.secrets_manager_provider === 'iam' ? IAM_COMMANDS[subtype] : COMMANDS[subtype],
    env: connectionEnv(target, result),
    created_at: now,
    updated_at: now,
  };
}

/**
 * Step 6: the job's phase and message as the seed words them, resource roles for the roles that
 * succeeded (when `create-connections` is asked for), and the lock released. Idempotent.
 */
export async function finalize(input: z.infer<typeof FinalizeInputSchema>, deps: BaseDeps): Promise<{ phase: 'completed' | 'failed' }> {
  const record = await deps.jobs.get(input.job_id);
  return trackStep(deps, input.job_id, 'Finalize', async () => {
    const now = deps.clock().toISOString();
    const results = input.results.map((r) => (r.completed_at ? r : { ...r, completed_at: now }));
    if (record.request.dry_run) return finishPlan(record, input.target, results, (r) => connectionFor(record, input.target, r, now).name, deps);
    const verified = results.filter((r) => r.verify);
    const sum = (key: 'missing' | 'login_failed' | 'extra') => verified.reduce((n, r) => n + (r.verify?.summary[key] ?? 0), 0);
    const summary = { missing: sum('missing'), login_failed: sum('login_failed'), extra: sum('extra') };
    if (verified.length > 0) await deps.jobs.setVerify(input.job_id, { status: verifyStatus(summary), summary });
    if (record.request.verify_only) {
      const phase = results.every((r) => r.status === 'completed') ? 'completed' : 'failed';
      const said = `verify only: ${summary.missing} missing, ${summary.login_failed} login failed, ${summary.extra} extra; nothing was changed`;
      await deps.jobs.finish(input.job_id, { phase, message: said, result: results }, now);
      await deps.credentials.deleteOfferedMaster(input.job_id);
      await deps.locks.release(input.target.resource_key, input.job_id);
      return { phase };
    }
    let phase: 'completed' | 'failed' = results.every((r) => r.status === 'completed') ? 'completed' : 'failed';
    const vaultRefused = Boolean(record.request.vault_provider) && results.some((r) => r.secret_store_failed);
    let message = phase === 'completed' ? ALL_ROLES_PROVISIONED : vaultRefused ? VAULT_SAVE_FAILED : SOME_ROLES_FAILED;
    if (record.request.job_steps.includes('create-connections')) {
      try {
        for (const result of results.filter((r) => r.status === 'completed')) {
          await deps.connections.upsert(connectionFor(record, input.target, result, now));
        }
      } catch (error) {
        phase = 'failed';
        message = `Failed provisioning connections: ${(error as Error).message}`;
      }
    }
    await deps.jobs.finish(input.job_id, { phase, message, result: results }, now);
    await deps.locks.release(input.target.resource_key, input.job_id);
    return { phase };
  });
}
