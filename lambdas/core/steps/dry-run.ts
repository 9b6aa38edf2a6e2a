/**
 * What each step does for a dry-run job (`dry_run: true`): it reads as it would (RDS, EC2, the
 * stored credentials, the catalogs as the master) and records each writing call as a plan item
 * instead of making it. Nothing is changed in AWS, in the database or in the job's credential
 * store; only the job's own items are written (its plan, steps and result).
 */
import { ROLE_TIERS, type RoleTier } from '../engines/types.ts';
import { inspectSecurityGroup } from '../aws/ec2.ts';
import { DbrolesError } from '../errors.ts';
import { PLAN_ONLY_MESSAGE, SOME_ROLES_FAILED, type JobRecord, type PlanItem, type RoleResult } from '../job.ts';
import { provisionRoles } from '../provision.ts';
import { errorMessage } from '../redact.ts';
import type { RoleSecretScope, RoleSecretStore } from '../secrets/types.ts';
import type { DbTarget } from '../target.ts';
import { connectionTarget, currentMasterPassword, masterLogsIn, userLogsIn } from './database-login.ts';
import type { BaseDeps, DatabaseDeps } from './deps.ts';
import type { EnsureSecurityGroupOutput } from './ensure-security-group.ts';
import type { MasterState } from './master-credentials.ts';

/** Plan sections sort in the order the steps run. */
export const PLAN_SECTIONS = { aws: '1-aws', master: '2-master', sql: (tier: RoleTier) => `3-sql-${ROLE_TIERS.indexOf(tier) + 1}-${tier}`, connections: '4-connections' } as const;

const item = (kind: PlanItem['kind'], action: string, alreadyHeld: boolean, where: { user?: string; database?: string | null } = {}): PlanItem => ({
  kind,
  user: where.user ?? null,
  database: where.database ?? null,
  action,
  already_held: alreadyHeld,
});

/** EnsureSecurityGroup, planned: the group and its rule as they are, and the attach a Modify would make. */
export async function planSecurityGroup(jobId: string, target: DbTarget, cidr: string, deps: BaseDeps): Promise<EnsureSecurityGroupOutput> {
  if (!target.vpc_id) throw new DbrolesError(`instance "${target.instance_id}" is not in a VPC; no security group can be attached`);
  const aws = await deps.aws.forAccount(target.account_id, target.region, target.partition);
  const name = `hoop-aws-connect-sg-${target.instance_id}`;
  const state = await inspectSecurityGroup(aws.ec2, { name, vpcId: target.vpc_id, port: target.port, cidr, gatewayHost: deps.config.gatewayHost });
  const attached = state.groupId !== undefined && target.security_group_ids.includes(state.groupId);
  await deps.jobs.putPlanItems(jobId, PLAN_SECTIONS.aws, [
    item('aws', `CreateSecurityGroup ${name} in ${target.vpc_id} (tags Name, hoop.dev/gateway=${deps.config.gatewayHost})`, state.groupId !== undefined),
    item('aws', `AuthorizeSecurityGroupIngress ${name}: tcp ${target.port} from ${cidr}`, state.hasRule),
    item('aws', `Modify ${target.cluster_id ?? target.instance_id}: VpcSecurityGroupIds ${[...target.security_group_ids, state.groupId ?? name].join(', ')}`, attached),
  ]);
  return { group_id: state.groupId ?? '', security_group_ids: target.security_group_ids, attach: false, changed: false };
}

/** The master password that logs in now, among the stored ones and the one the job came with; nothing is stored or promoted. */
async function liveMaster(jobId: string, target: DbTarget, deps: BaseDeps & DatabaseDeps): Promise<{ password: string; source: string } | undefined> {
  if (target.master_secret_arn) {
    const managed = await currentMasterPassword(target, deps);
    return managed && (await masterLogsIn(target, managed, deps)) ? { password: managed, source: `the RDS-managed secret ${target.master_secret_arn}` } : undefined;
  }
  const stored = await deps.credentials.getMaster(target.resource_key, target.master_user);
  const offered = await deps.credentials.getOfferedMaster(jobId);
  const candidates: Array<[string | undefined, string]> = [
    [stored?.current, 'the stored one'],
    [stored?.pending, 'the stored pending one'],
    [offered, 'the one this job was given'],
  ];
  for (const [password, source] of candidates) {
    if (password && (await masterLogsIn(target, password, deps))) return { password, source };
  }
  return undefined;
}

/** MasterCredentials, planned: reused (and from where), or what a reset would send. Never waits: nothing was sent. */
export async function planMaster(jobId: string, target: DbTarget, deps: BaseDeps & DatabaseDeps): Promise<MasterState> {
  const live = await liveMaster(jobId, target, deps);
  const holder = target.cluster_id ?? target.instance_id;
  const items: PlanItem[] = [];
  if (live) items.push(item('master', `master password of ${target.master_user}: reused (${live.source} logs in)`, true));
  if (!live && target.kind === 'direct') {
    throw new DbrolesError(`the master password given for "${target.instance_id}" does not log in as "${target.master_user}"; create a new job with the right one`);
  }
  if (!live) items.push(item('master', `Modify ${holder}: MasterUserPassword=REDACTED (reset: no stored master password logs in); the new one is stored encrypted`, false));
  if (live && target.kind === 'direct' && target.reset_master_password) {
    items.push(item('master', `reset the master password of ${target.master_user} through the database (new password REDACTED, stored encrypted)`, false));
  }
  await deps.jobs.putPlanItems(jobId, PLAN_SECTIONS.master, items);
  return { mode: 'reused', applied: true, attempts: 0 };
}

/**
 * ProvisionRole, planned: the tier's SQL as the engine would send it, read-only, with the user's
 * password kept when the stored one logs in (unless the job rotates). Needs a master that logs in
 * now: when the job would reset it first, the SQL cannot be planned, and the result says so.
 */
export async function planRole(
  jobId: string,
  target: DbTarget,
  tier: RoleTier,
  record: JobRecord,
  scope: RoleSecretScope,
  store: RoleSecretStore,
  deps: BaseDeps & DatabaseDeps,
): Promise<RoleResult> {
  const now = deps.clock().toISOString();
  const base = { user_role: scope.user, role_suffix_name: tier, credentials_info: null, completed_at: now, database_counts: { total: 0, completed: 0, failed: 0 }, first_failures: [] };
  const master = await liveMaster(jobId, target, deps);
  if (!master) {
    await deps.jobs.putPlanItems(jobId, PLAN_SECTIONS.sql(tier), []);
    return { ...base, status: 'completed', message: 'the SQL cannot be planned before the master password is reset: run the job, then plan again' };
  }
  const current = record.request.rotate_passwords ? undefined : await store.readCurrent(scope).catch(() => undefined);
  const keep = current !== undefined && (await userLogsIn(target, current, deps));
  const secrets = [master.password, current?.password];
  let report: Awaited<ReturnType<typeof provisionRoles>>;
  try {
    report = await provisionRoles(
      {
        engine: target.engine,
        target: connectionTarget(target, target.master_user, master.password, deps),
        tiers: [tier],
        databases: target.databases ?? undefined,
        keepExistingPasswords: keep,
        hardenPublicSchema: record.request.harden_public_schema,
        sessionsSharing: 3,
        dryRun: true,
      },
      { provisioners: deps.provisioners, now: deps.clock },
    );
  } catch (error) {
    throw new DbrolesError(`plan ${scope.user}: ${errorMessage(error, secrets)}`, { cause: error });
  }
  await deps.jobs.putPlanItems(
    jobId,
    PLAN_SECTIONS.sql(tier),
    (report.plan ?? []).map((s) => item('sql', s.sql, s.alreadyHeld, { user: s.user, database: s.database })),
  );
  const role = report.roles[0];
  const databases = role?.databases ?? [];
  const failed = databases.filter((d) => d.status === 'failed');
  return {
    ...base,
    status: role?.status ?? 'failed',
    message: role?.message ?? 'no result',
    database_counts: { total: databases.length, completed: databases.length - failed.length, failed: failed.length },
    first_failures: failed.slice(0, 3).map((d) => ({ database: d.database, message: d.message.slice(0, 300) })),
  };
}

/** Finalize, planned: the resource roles a run would create, the plan's counts, and the job ended as a plan. */
export async function finishPlan(
  record: JobRecord,
  target: DbTarget,
  results: RoleResult[],
  connectionName: (result: RoleResult) => string,
  deps: BaseDeps,
): Promise<{ phase: 'completed' | 'failed' }> {
  const jobId = record.job.id;
  const now = deps.clock().toISOString();
  const connections: PlanItem[] = [];
  if (record.request.job_steps.includes('create-connections')) {
    for (const result of results.filter((r) => r.status === 'completed')) {
      const name = connectionName(result);
      const exists = await deps.connections.get(name).then(
        (c) => c.db_arn === target.db_arn,
        () => false,
      );
      connections.push(item('connection', `create resource role ${name}`, exists, { user: result.user_role }));
    }
  }
  await deps.jobs.putPlanItems(jobId, PLAN_SECTIONS.connections, connections);
  const byKind: Record<string, number> = {};
  let changes = 0;
  let noOps = 0;
  let token: string | undefined;
  do {
    const page = await deps.jobs.listPlanItems(jobId, 1000, token);
    for (const planned of page.items) {
      if (planned.already_held) noOps += 1;
      else {
        changes += 1;
        byKind[planned.kind] = (byKind[planned.kind] ?? 0) + 1;
      }
    }
    token = page.nextToken;
  } while (token);
  await deps.jobs.setPlanSummary(jobId, { changes, no_ops: noOps, by_kind: byKind });
  const phase = results.every((r) => r.status === 'completed') ? 'completed' : 'failed';
  await deps.jobs.finish(jobId, { phase, message: phase === 'completed' ? PLAN_ONLY_MESSAGE : `${SOME_ROLES_FAILED} (${PLAN_ONLY_MESSAGE})`, result: results }, now);
  // The password a direct job came with was only read: it is not kept after a plan.
  await deps.credentials.deleteOfferedMaster(jobId);
  await deps.locks.release(target.resource_key, jobId);
  return { phase };
}

/**
 * MasterCredentials for a `verify_only` job: the master that logs in now, from the store (or, for a
 * database given directly, the one the job came with); never a reset, never a write.
 */
export async function readOnlyMaster(jobId: string, target: DbTarget, deps: BaseDeps & DatabaseDeps): Promise<MasterState> {
  if (!(await liveMaster(jobId, target, deps))) {
    throw new DbrolesError(`verify_only needs a master password that logs in as "${target.master_user}", and none dbroles holds does; run a job without verify_only first (it resets or stores the master)`);
  }
  return { mode: 'reused', applied: true, attempts: 0 };
}

/** The master password that logs in now, for the steps that only read (verify). */
export async function readOnlyMasterPassword(jobId: string, target: DbTarget, deps: BaseDeps & DatabaseDeps): Promise<string> {
  const live = await liveMaster(jobId, target, deps);
  if (!live) throw new DbrolesError(`no master password that logs in as "${target.master_user}" is held for "${target.resource_key}"`);
  return live.password;
}
