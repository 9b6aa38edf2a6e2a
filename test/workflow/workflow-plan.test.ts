import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { listJobPlan } from '../../lambdas/api/jobs.ts';
import type { ApiRequest } from '../../lambdas/api/request.ts';
import type { PlanItem } from '../../lambdas/core/job.ts';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { directResourceKey } from '../../lambdas/core/target.ts';
import { pgTry } from '../support/pg.ts';
import { arnOf, createJob, credentials, doc, ec2, jobs, MASTER, provisionPgOne, rds, runJob, setUpWorkflowHarness, superuser, TABLE } from './harness.ts';

setUpWorkflowHarness();

/** Every item of a job's plan, read through the API's route, a few at a time. */
async function planOf(jobId: string): Promise<PlanItem[]> {
  const items: PlanItem[] = [];
  let token: string | undefined;
  do {
    const request = { method: 'GET', path: '', caller: 'test', pathParameters: { id: jobId }, query: { limit: '5', next_token: token }, jsonBody: () => ({}) } as ApiRequest;
    const page = JSON.parse((await listJobPlan(request, { jobs: jobs() } as never)).body) as { items: PlanItem[]; next_token: string | null };
    items.push(...page.items);
    token = page.next_token ?? undefined;
  } while (token);
  return items;
}

describe('dry-run jobs, run locally with the real task handlers', () => {
  it('on a database dbroles never touched: records the security group, the master reset and the connections, and changes nothing', async () => {
    await rds.settled();
    const modifies = rds.modifyCalls.length;
    const creates = ec2.commandCalls(CreateSecurityGroupCommand).length + ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).length;
    const id = await createJob({
      aws: { instance_arn: arnOf('pg-fresh'), default_security_group: { ingress_cidr: '10.1.2.3/32', allow_public_ingress: false } },
      dry_run: true,
    });
    const { outcome, job } = await runJob(id);
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    expect(job.status).toMatchObject({ phase: 'completed', message: 'plan only: nothing was changed' });
    expect(rds.modifyCalls).toHaveLength(modifies);
    expect(ec2.commandCalls(CreateSecurityGroupCommand).length + ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).length).toBe(creates);

    const plan = await planOf(id);
    expect(plan.filter((i) => i.kind === 'aws').map((i) => [i.action.split(' ')[0], i.already_held])).toEqual([
      ['CreateSecurityGroup', false],
      ['AuthorizeSecurityGroupIngress', false],
      ['Modify', false],
    ]);
    expect(plan.filter((i) => i.kind === 'master').map((i) => i.action)).toEqual([
      'Modify pg-fresh: MasterUserPassword=REDACTED (reset: no stored master password logs in); the new one is stored encrypted',
    ]);
    // Without the master the SQL cannot be planned, and each role says so.
    expect(plan.filter((i) => i.kind === 'sql')).toEqual([]);
    for (const r of job.status.result) expect(r.message).toMatch(/cannot be planned before the master password is reset/);
    expect(plan.filter((i) => i.kind === 'connection').map((i) => i.action)).toEqual(['create resource role pg-one-ro', 'create resource role pg-one-rw', 'create resource role pg-one-ddl']);
    expect(job.plan).toEqual({ changes: 7, no_ops: 0, by_kind: { aws: 3, master: 1, connection: 3 } });
    expect(job.steps.RunHook?.message).toBe('dry run: the hook runs only after a real job');
    expect(job.steps.Notify?.message).toBe('dry run: no webhook is sent for a plan');
  });

  it('after a real job: shows no change at all, and with rotate_passwords only the three password changes', async () => {
    const { outcome } = await provisionPgOne();
    expect(outcome.status).toBe('SUCCEEDED');
    const id = await createJob({ aws: { instance_arn: arnOf('pg-one') }, dry_run: true });
    const { job } = await runJob(id);
    expect(job.status).toMatchObject({ phase: 'completed', message: 'plan only: nothing was changed' });
    const plan = await planOf(id);
    expect(plan.filter((i) => !i.already_held)).toEqual([]);
    expect(plan.find((i) => i.kind === 'master')?.action).toBe('master password of rds_master: reused (the stored one logs in)');
    expect(plan.filter((i) => i.kind === 'sql').length).toBeGreaterThan(20);
    expect(job.plan?.changes).toBe(0);

    const rotating = await createJob({ aws: { instance_arn: arnOf('pg-one') }, dry_run: true, rotate_passwords: true });
    const rotated = await runJob(rotating);
    const changes = (await planOf(rotating)).filter((i) => !i.already_held);
    expect(changes.map((i) => i.action)).toEqual(['hoop_ro', 'hoop_rw', 'hoop_ddl'].map((u) => `ALTER ROLE "${u}" WITH LOGIN PASSWORD 'REDACTED'`));
    expect(rotated.job.plan).toMatchObject({ changes: 3, by_kind: { sql: 3 } });
    // The stored passwords still log in: the plan changed none.
    expect(JSON.stringify(rotated.job)).not.toMatch(/PASSWORD '[^R]/);
  });

  it('on a database given directly: plans with the master it was given, keeps no copy of it, and creates no connection', async () => {
    await provisionPgOne();
    const master = (await credentials().getMaster(arnOf('pg-one'), MASTER))?.current ?? '';
    const id = await createJob({
      target: { engine: 'postgres', host: '127.0.0.1', port: superuser().port, master_user: MASTER, name: 'plan-direct', reset_master_password: true },
      dry_run: true,
      connection_prefix_name: 'plan-direct',
      job_steps: ['create-connections'],
    });
    // As the API does: the password a direct job comes with is stored apart, until MasterCredentials.
    await credentials().putOfferedMaster(id, master);
    const { job } = await runJob(id);
    expect(job.status).toMatchObject({ phase: 'completed', message: 'plan only: nothing was changed' });
    const plan = await planOf(id);
    expect(plan.filter((i) => i.kind === 'master').map((i) => [i.action, i.already_held])).toEqual([
      ['master password of rds_master: reused (the one this job was given logs in)', true],
      ['reset the master password of rds_master through the database (new password REDACTED, stored encrypted)', false],
    ]);
    expect(plan.filter((i) => i.kind === 'connection').map((i) => i.action)).toEqual(['create resource role plan-direct-ro', 'create resource role plan-direct-rw', 'create resource role plan-direct-ddl']);
    expect(await credentials().getOfferedMaster(id)).toBeUndefined();
    expect(await credentials().getMaster(job.spec.db_arn === 'target:plan-direct' ? directKey() : '', MASTER)).toBeUndefined();
    expect((await new DynamoConnectionStore(doc(), TABLE).list()).filter((c) => c.name.startsWith('plan-direct'))).toEqual([]);
    // The master password on the server is the one it had.
    expect(await pgTry({ ...superuser('app1'), user: MASTER, password: master }, ['SELECT 1'])).toEqual({ ok: true });
  });
});

const directKey = () => directResourceKey('postgres', '127.0.0.1', superuser().port);
