import * as z from 'zod';
import { attachedSecurityGroups, isInvalidStateFault, masterHolderStatus, modifyMasterPassword, setSecurityGroups } from '../aws/rds.ts';
import { DbrolesError } from '../errors.ts';
import { errorMessage } from '../redact.ts';
import { DbTargetSchema, type DbTarget } from '../target.ts';
import { connectionTarget, currentMasterPassword, masterLogsIn } from './database-login.ts';
import { ENGINE_FAMILIES, provisionerFor } from '../engines/types.ts';
import type { BaseDeps, DatabaseDeps } from './deps.ts';
import { SecurityGroupsToAttachSchema, type SecurityGroupsToAttach } from './ensure-security-group.ts';
import { planMaster, readOnlyMaster } from './dry-run.ts';
import { trackStep } from './progress.ts';

export const MasterCredentialsInputSchema = z.object({
  job_id: z.string(),
  target: DbTargetSchema,
  /** From EnsureSecurityGroup: groups to attach in the same Modify as a new password. */
  security_groups: SecurityGroupsToAttachSchema.default({ attach: false, security_group_ids: [] }),
});

export const MasterStateSchema = z.object({
  /** `reused`: stored credentials (or RDS's managed secret) work. `reset`: a new password was sent to RDS and is pending. */
  mode: z.enum(['reused', 'reset']),
  applied: z.boolean(),
  attempts: z.number().int(),
  status: z.string().optional(),
});
export type MasterState = z.infer<typeof MasterStateSchema>;

async function modify(deps: BaseDeps & DatabaseDeps, target: DbTarget, password: string, alreadyRequested: boolean, groups: SecurityGroupsToAttach): Promise<void> {
  const aws = await deps.aws.forAccount(target.account_id, target.region, target.partition);
  try {
    await modifyMasterPassword(aws.rds, target, password, groups.attach ? groups.security_group_ids : undefined);
  } catch (error) {
    // A retry after a crash: RDS is still applying our earlier request for this same password.
    if (alreadyRequested && isInvalidStateFault(error)) return;
    throw new DbrolesError(`reset the master password of "${target.cluster_id ?? target.instance_id}": ${errorMessage(error, [password])}`, {
      cause: error,
    });
  }
}

/**
 * Step 3: makes sure dbroles holds a working master password. Reuses the stored one when it still
 * logs in. Otherwise writes a new password ahead as `pending`, then asks RDS to set it. A retry
 * after a crash finds the pending password and uses it again, so the master is never lost: the
 * server's password is always either the stored current one or the stored pending one.
 */
export async function ensureMasterCredentials(
  input: Omit<z.infer<typeof MasterCredentialsInputSchema>, 'security_groups'> & { security_groups?: SecurityGroupsToAttach },
  deps: BaseDeps & DatabaseDeps,
): Promise<MasterState> {
  const { target } = input;
  const groups = input.security_groups ?? { attach: false, security_group_ids: [] };
  const { request } = await deps.jobs.get(input.job_id);
  const sourceSaid = { 'rds-managed-secret': `master from the RDS-managed secret ${target.master_secret_arn ?? ''}`, stored: 'master: the stored password logs in', reset: 'master password reset through RDS' } as const;
  let source: keyof typeof sourceSaid | undefined;
  return trackStep(
    deps,
    input.job_id,
    'MasterCredentials',
    async () => {
      if (request.dry_run) return planMaster(input.job_id, target, deps);
      if (request.verify_only) return readOnlyMaster(input.job_id, target, deps);
      if (target.kind === 'direct') return ensureDirectMaster(input.job_id, target, deps);
      if (target.master_secret_arn) {
        // RDS manages the master password: read it there, never store a copy, never reset it.
        const password = await currentMasterPassword(target, deps);
        if (!password || !(await masterLogsIn(target, password, deps))) {
          throw new DbrolesError(`the password in the RDS-managed master secret ${target.master_secret_arn} does not log in as "${target.master_user}" (RDS may be rotating it); run the job again`);
        }
        if (groups.attach) await attachGroups(deps, target, groups.security_group_ids);
        source = 'rds-managed-secret';
        await deps.jobs.setMasterSource(input.job_id, source);
        return { mode: 'reused', applied: true, attempts: 0 };
      }
      const stored = await deps.credentials.getMaster(target.resource_key, target.master_user);
      const offered = await deps.credentials.getOfferedMaster(input.job_id);
      let live: string | undefined;
      if (stored?.current && (await masterLogsIn(target, stored.current, deps))) live = stored.current;
      else if (stored?.pending && (await masterLogsIn(target, stored.pending, deps))) {
        await deps.credentials.promotePendingMaster(target.resource_key, target.master_user, stored.pending);
        live = stored.pending;
      } else if (offered && (await masterLogsIn(target, offered, deps))) {
        // aws.master_password, given once: kept encrypted from now on, so no reset is ever needed.
        await deps.credentials.putCurrentMaster(target.resource_key, target.master_user, offered);
        live = offered;
      }
      await deps.credentials.deleteOfferedMaster(input.job_id);
      if (live) {
        // No new password: the security groups, if any, are the only change.
        if (groups.attach) await attachGroups(deps, target, groups.security_group_ids);
        source = 'stored';
        await deps.jobs.setMasterSource(input.job_id, source);
        return { mode: 'reused', applied: true, attempts: 0 };
      }
      if ((request.aws?.master_reset ?? deps.config.masterReset ?? 'if-needed') === 'never') {
        throw new DbrolesError(
          `no master password dbroles holds logs in as "${target.master_user}" on "${target.cluster_id ?? target.instance_id}", and master_reset is "never", so it is not reset. ` +
            'Give dbroles access: let RDS manage the master password in Secrets Manager (ManageMasterUserPassword), or give it once as "aws.master_password" (stored encrypted at once)' +
            (offered ? '; the aws.master_password given with this job does not log in' : ''),
        );
      }
      source = 'reset';
      await deps.jobs.setMasterSource(input.job_id, source);
      if (stored?.pending) {
        await modify(deps, target, stored.pending, true, groups);
        return { mode: 'reset', applied: false, attempts: 0 };
      }
      const password = deps.generatePassword();
      await deps.credentials.writePendingMaster(target.resource_key, target.master_user, password, stored?.version ?? 0);
      await modify(deps, target, password, false, groups);
      return { mode: 'reset', applied: false, attempts: 0 };
    },
    () => (source ? sourceSaid[source] : undefined),
  );
}

/** Attaches the groups alone. A retry that finds the same change being applied leaves it be. */
async function attachGroups(deps: BaseDeps & DatabaseDeps, target: DbTarget, groupIds: string[]): Promise<void> {
  const aws = await deps.aws.forAccount(target.account_id, target.region, target.partition);
  try {
    await setSecurityGroups(aws.rds, target, groupIds);
  } catch (error) {
    if (isInvalidStateFault(error)) {
      const attached = await attachedSecurityGroups(aws.rds, target);
      if (groupIds.every((g) => attached.includes(g))) return;
    }
    throw new DbrolesError(`attach security groups to "${target.cluster_id ?? target.instance_id}": ${errorMessage(error, [])}`, { cause: error });
  }
}

/**
 * A database given directly: the master password that logs in among the stored pending, the stored
 * current and the one the job came with is kept (nothing is overwritten before it is verified).
 * With `reset_master_password`, a new one is then written ahead as pending and set through the database.
 */
async function ensureDirectMaster(jobId: string, target: DbTarget, deps: BaseDeps & DatabaseDeps): Promise<MasterState> {
  const stored = await deps.credentials.getMaster(target.resource_key, target.master_user);
  const offered = await deps.credentials.getOfferedMaster(jobId);
  let live: string | undefined;
  for (const candidate of [stored?.pending, stored?.current, offered]) {
    if (candidate && (await masterLogsIn(target, candidate, deps))) {
      live = candidate;
      break;
    }
  }
  if (!live) {
    throw new DbrolesError(`the master password given for "${target.instance_id}" does not log in as "${target.master_user}"; create a new job with the right one`);
  }
  if (live === stored?.pending) await deps.credentials.promotePendingMaster(target.resource_key, target.master_user, live);
  else if (live !== stored?.current) await deps.credentials.putCurrentMaster(target.resource_key, target.master_user, live);
  await deps.credentials.deleteOfferedMaster(jobId);
  if (!target.reset_master_password) {
    await deps.jobs.setMasterSource(jobId, 'stored');
    return { mode: 'reused', applied: true, attempts: 0 };
  }
  await deps.jobs.setMasterSource(jobId, 'reset');

  const password = deps.generatePassword();
  const version = (await deps.credentials.getMaster(target.resource_key, target.master_user))?.version ?? 0;
  await deps.credentials.writePendingMaster(target.resource_key, target.master_user, password, version);
  const session = await provisionerFor(deps.provisioners, ENGINE_FAMILIES[target.engine]).connect(connectionTarget(target, target.master_user, live, deps));
  try {
    await session.changeOwnPassword(password);
  } catch (error) {
    throw new DbrolesError(`reset the master password of "${target.instance_id}": ${errorMessage(error, [password, live])}`, { cause: error });
  } finally {
    await session.close();
  }
  return { mode: 'reset', applied: false, attempts: 0 };
}

export const CheckMasterAppliedInputSchema = z.object({ job_id: z.string(), target: DbTargetSchema, master: MasterStateSchema });

/**
 * Step 4, one pass of the wait loop: done only when the NEW password logs in (an `available`
 * status alone can be read before RDS starts applying it); then the pending password is promoted.
 * Throws once the budget of checks is spent; the password stays pending for the next job.
 */
export async function checkMasterApplied(input: z.infer<typeof CheckMasterAppliedInputSchema>, deps: BaseDeps & DatabaseDeps): Promise<MasterState> {
  const { target } = input;
  const attempts = input.master.attempts + 1;
  const stored = await deps.credentials.getMaster(target.resource_key, target.master_user);
  if (!stored?.pending) {
    if (stored?.current && (await masterLogsIn(target, stored.current, deps))) return { mode: 'reset', applied: true, attempts };
    throw new DbrolesError(`no pending master password is stored for "${target.resource_key}"; run the job again`);
  }
  const status =
    target.kind === 'aws'
      ? await masterHolderStatus((await deps.aws.forAccount(target.account_id, target.region, target.partition)).rds, target)
      : 'set through the database';
  if (await masterLogsIn(target, stored.pending, deps)) {
    await deps.credentials.promotePendingMaster(target.resource_key, target.master_user, stored.pending);
    await deps.jobs.setStep(input.job_id, 'WaitMasterApplied', { status: 'completed', finished_at: deps.clock().toISOString(), message: `applied after ${attempts} check(s)` });
    return { mode: 'reset', applied: true, attempts, status };
  }
  if (attempts >= deps.config.masterCheckMaxAttempts) {
    throw new DbrolesError(
      `the new master password of "${target.cluster_id ?? target.instance_id}" did not log in after ${attempts} checks (status "${status}"); it is kept as pending and the next job tries it first`,
    );
  }
  await deps.jobs.setStep(input.job_id, 'WaitMasterApplied', { status: 'running', message: `check ${attempts}: status "${status}", new password not active yet` });
  return { mode: 'reset', applied: false, attempts, status };
}
