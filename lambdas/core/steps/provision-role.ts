import * as z from 'zod';
import { ROLE_TIERS, type RoleTier } from '../engines/types.ts';
import { DbrolesError, RetryableError, SecretStoreError } from '../errors.ts';
import type { JobRequest, RoleResult } from '../job.ts';
import { DEFAULT_USER_PREFIX, provisionRoles, type RoleOutcome } from '../provision.ts';
import { errorMessage } from '../redact.ts';
import { secretStoreChoice } from '../secrets/secret-stores.ts';
import type { CredentialsInfo, RoleSecret, RoleSecretScope, RoleSecretStore } from '../secrets/types.ts';
import { DbTargetSchema, type DbTarget } from '../target.ts';
import { connectionTarget, currentMasterPassword, loginDatabase, userLogsIn } from './database-login.ts';
import type { BaseDeps, DatabaseDeps } from './deps.ts';
import { planRole, readOnlyMasterPassword } from './dry-run.ts';
import { verifyRole, withVerify } from './verify-role.ts';
import { trackStep } from './progress.ts';

export const ProvisionRoleInputSchema = z.object({ job_id: z.string(), tier: z.enum(ROLE_TIERS), target: DbTargetSchema });

/** Which user of which server, for the job's store. */
export function roleSecretScope(target: DbTarget, request: Pick<JobRequest, 'connection_prefix_name'>, tier: RoleTier): RoleSecretScope {
  return {
    resourceKey: target.resource_key,
    dbArn: target.db_arn,
    engine: target.engine,
    host: target.host,
    port: target.port,
    user: `${DEFAULT_USER_PREFIX}_${tier}`,
    tier,
    connectionPrefix: request.connection_prefix_name,
    instanceId: target.kind === 'aws' ? target.instance_id : null,
    clusterId: target.cluster_id,
  };
}

/**
 * The stored credentials to keep: a pending password from a run that stopped after the database
 * took it (promoted now), else the current one, unless rotation was asked for. Only a password
 * seen to log in is kept; a pending one that does not is discarded.
 */
async function workingStoredSecret(store: RoleSecretStore, scope: RoleSecretScope, target: DbTarget, rotate: boolean, deps: BaseDeps & DatabaseDeps) {
  const pending = await store.readPending(scope);
  if (pending) {
    if (await userLogsIn(target, pending, deps)) {
      const info = await store.promote(scope, pending);
      if (!rotate) return { secret: pending, info };
    } else {
      await store.discardPending(scope);
    }
  }
  if (rotate) return undefined;
  const current = await store.readCurrent(scope);
  if (current && (await userLogsIn(target, current, deps))) return { secret: current, info: await store.info(scope) };
  return undefined;
}

/** The role's result for the state machine: counts and the first failures only, whatever the number of databases. */
function result(scope: RoleSecretScope, outcome: Partial<RoleOutcome> & Pick<RoleOutcome, 'status' | 'message'>, info: CredentialsInfo | null, now: string): RoleResult {
  const databases = outcome.databases ?? [];
  const failed = databases.filter((d) => d.status === 'failed');
  return {
    user_role: scope.user,
    role_suffix_name: scope.tier,
    status: outcome.status,
    message: outcome.message,
    credentials_info: info,
    completed_at: outcome.completedAt ?? now,
    database_counts: { total: databases.length, completed: databases.length - failed.length, failed: failed.length },
    first_failures: failed.slice(0, 3).map((d) => ({ database: d.database, message: d.message.slice(0, 300) })),
  };
}

/**
 * Step 5, one Map item: provisions one tier in every database, keeping the user's stored password
 * when it still logs in (unless the job rotates). A new password follows the write-ahead order:
 * stored as pending in the job's store, then set in the database, then promoted to current once it
 * logs in; a failure anywhere leaves current intact and working. Database and store failures
 * become a failed result, never an exception; the result references the credentials, never
 * holds them.
 */
export async function provisionRole(input: z.infer<typeof ProvisionRoleInputSchema>, deps: BaseDeps & DatabaseDeps): Promise<RoleResult> {
  const { target, tier } = input;
  const record = await deps.jobs.get(input.job_id);
  const { request } = record;
  const scope = roleSecretScope(target, request, tier);
  const store = deps.secretStores.open(secretStoreChoice(request, deps.secretStores.secretsManagerPrefix));
  return trackStep(deps, input.job_id, `ProvisionRole:${tier}`, async () => {
    if (request.dry_run) return planRole(input.job_id, target, tier, record, scope, store, deps);
    if (request.verify_only) {
      const master = await readOnlyMasterPassword(input.job_id, target, deps);
      const base = result(scope, { status: 'completed', message: '' }, null, deps.clock().toISOString());
      return withVerify(base, await verifyRole(target, tier, scope, store, master, deps));
    }
    const provisioned = request.auth === 'iam' ? await provisionIamUser(input, request, scope, deps) : await provisionUser(input, request, scope, store, deps);
    if (!request.job_steps.includes('verify') || provisioned.status !== 'completed') return provisioned;
    return withVerify(provisioned, await verifyRole(target, tier, scope, store, (await currentMasterPassword(target, deps)) ?? '', deps));
  });
}

/** Provisions one tier's user everywhere, keeping its stored password when it still logs in (see provisionRole). */
async function provisionUser(
  input: z.infer<typeof ProvisionRoleInputSchema>,
  request: JobRequest,
  scope: RoleSecretScope,
  store: RoleSecretStore,
  deps: BaseDeps & DatabaseDeps,
): Promise<RoleResult> {
  const { target, tier } = input;
  const current = await currentMasterPassword(target, deps);
  if (!current) throw new DbrolesError(`no working master password is stored for "${target.resource_key}"`);
  const master = { current };
  const now = () => deps.clock().toISOString();
  const failed = (message: string): RoleResult => ({ ...result(scope, { status: 'failed', message }, null, now()), secret_store_failed: true });

  let kept: Awaited<ReturnType<typeof workingStoredSecret>>;
  try {
    kept = await workingStoredSecret(store, scope, target, request.rotate_passwords, deps);
  } catch (error) {
    if (error instanceof SecretStoreError) return failed(error.message);
    // A lost race or a network error: the step's retry reads the stored passwords again.
    throw new RetryableError(`check the stored password of ${scope.user}: ${errorMessage(error, [master.current])}`, { cause: error });
  }
  const secret: RoleSecret = kept?.secret ?? { host: target.host, port: target.port, user: scope.user, password: deps.generatePassword(), database: loginDatabase(target) };
  const secrets = [master.current, secret.password];
  if (!kept) {
    try {
      await store.writePending(scope, secret);
    } catch (error) {
      if (error instanceof SecretStoreError) return failed(errorMessage(error, secrets));
      throw error;
    }
  }

  let role: RoleOutcome | undefined;
  try {
    const report = await provisionRoles(
      {
        engine: target.engine,
        target: connectionTarget(target, target.master_user, master.current, deps),
        tiers: [tier],
        databases: target.databases ?? undefined,
        keepExistingPasswords: Boolean(kept),
        hardenPublicSchema: request.harden_public_schema,
        // The three tiers run as three sessions at once, sharing the server's free connections.
        sessionsSharing: ROLE_TIERS.length,
      },
      { provisioners: deps.provisioners, generatePassword: () => secret.password, now: deps.clock },
    );
    role = report.roles[0];
  } catch (error) {
    throw new DbrolesError(`provision ${scope.user}: ${errorMessage(error, secrets)}`, { cause: error });
  }
  if (!role) throw new DbrolesError(`provision ${scope.user}: no result`);
  // The detail per database goes to its own items, never through the state machine.
  await deps.jobs.putDatabaseOutcomes(
    input.job_id,
    role.databases.map((d) => ({ user_role: scope.user, database: d.database, status: d.status, message: d.message })),
  );
  // A user refused before its password stage (too powerful, say) gets no credentials.
  if (kept) return result(scope, role, role.password === undefined ? null : kept.info, now());
  if (role.password === undefined) {
    // The engine failed before or while setting the password. If the database took it anyway
    // (a connection lost after COMMIT), the pending one is the live one: keep it by promoting it.
    try {
      if (await userLogsIn(target, secret, deps)) await store.promote(scope, secret);
      else await store.discardPending(scope);
    } catch (error) {
      throw new RetryableError(`settle the new password of ${scope.user}: ${errorMessage(error, secrets)}`, { cause: error });
    }
    return result(scope, role, null, now());
  }
  let info: CredentialsInfo;
  try {
    if (!(await userLogsIn(target, secret, deps))) {
      return result(scope, { ...role, status: 'failed', message: `the new password of ${scope.user} was set but does not log in; it is kept as pending` }, null, now());
    }
    info = await store.promote(scope, secret);
  } catch (error) {
    if (error instanceof SecretStoreError) return failed(errorMessage(error, secrets));
    // Retried: the retry finds the pending password logging in and promotes it.
    throw new RetryableError(`store the new password of ${scope.user}: ${errorMessage(error, secrets)}`, { cause: error });
  }
  return result(scope, role, info, now());
}

/** The `rds-db:connect` resource of an IAM-authenticated user (the cluster's resource id for Aurora). */
export function rdsDbUserArn(target: DbTarget, user: string): string {
  return `arn:${target.partition}:rds-db:${target.region}:${target.account_id}:dbuser:${target.iam_resource_id ?? ''}/${user}`;
}

/** Provisions one tier's user for IAM authentication: no password is made, stored or set; its credentials are its resource ARN. */
async function provisionIamUser(input: z.infer<typeof ProvisionRoleInputSchema>, request: JobRequest, scope: RoleSecretScope, deps: BaseDeps & DatabaseDeps): Promise<RoleResult> {
  const { target, tier } = input;
  const master = await currentMasterPassword(target, deps);
  if (!master) throw new DbrolesError(`no working master password is stored for "${target.resource_key}"`);
  let role: RoleOutcome | undefined;
  try {
    const report = await provisionRoles(
      {
        engine: target.engine,
        target: connectionTarget(target, target.master_user, master, deps),
        tiers: [tier],
        databases: target.databases ?? undefined,
        hardenPublicSchema: request.harden_public_schema,
        sessionsSharing: ROLE_TIERS.length,
        auth: 'iam',
      },
      { provisioners: deps.provisioners, now: deps.clock },
    );
    role = report.roles[0];
  } catch (error) {
    throw new DbrolesError(`provision ${scope.user}: ${errorMessage(error, [master])}`, { cause: error });
  }
  if (!role) throw new DbrolesError(`provision ${scope.user}: no result`);
  await deps.jobs.putDatabaseOutcomes(input.job_id, role.databases.map((d) => ({ user_role: scope.user, database: d.database, status: d.status, message: d.message })));
  const info: CredentialsInfo = { secrets_manager_provider: 'iam', secret_id: rdsDbUserArn(target, scope.user), secret_keys: [] };
  // A user refused before it was made an IAM user gets no credentials.
  return result(scope, role, role.created === undefined ? null : info, deps.clock().toISOString());
}
