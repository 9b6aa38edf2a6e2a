import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../lambdas/core/job.ts';
import { renderWorkflowAsl } from '../../lib/workflow.ts';
import { BASE_ARN } from '../support/fake-aws.ts';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { pgTry } from '../support/pg.ts';
import { arnOf, doc, ec2, jobs, provisionPgOne, rds, reprovisionPgOne, roleSecrets, runs, secretsOf, setUpWorkflowHarness, superuser, svix, TABLE } from './harness.ts';

setUpWorkflowHarness();

describe('the state machine, run locally: a PostgreSQL job end to end, a rerun, and every Choice branch', () => {
  it('provisions an RDS PostgreSQL instance end to end: security group and master reset in one Modify, roles, resource roles, hook, webhook', async () => {
    const { outcome, job, modifyCalls, master, masterLogin, initialLogin } = await provisionPgOne();
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    const id = job.id;

    expect(job.org_id).toBe('org-test');
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.completed_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(job.spec).toEqual({ account_arn: BASE_ARN, db_arn: arnOf('pg-one'), db_name: 'app1', db_engine: 'postgres', db_tags: [{ key: 'team', value: 'data' }] });
    expect(job.status.phase).toBe('completed');
    expect(job.status.message).toBe('All user roles have been successfully provisioned');
    expect(job.status.result.map((r) => [r.user_role, r.role_suffix_name, r.status, r.message])).toEqual([
      ['hoop_ro', 'ro', 'completed', ''],
      ['hoop_rw', 'rw', 'completed', ''],
      ['hoop_ddl', 'ddl', 'completed', ''],
    ]);
    for (const r of job.status.result) {
      expect(r.credentials_info).toEqual({ secrets_manager_provider: 'database', secret_id: `${arnOf('pg-one')}/${r.user_role}`, secret_keys: [] });
      expect(r.database_counts).toEqual({ total: 3, completed: 3, failed: 0 });
      expect(new Date(r.completed_at).getTime()).toBeGreaterThan(0);
    }
    // The outcome per database is in its own items, paged, never in the state machine.
    const outcomes = await jobs().listDatabaseOutcomes(id, 100);
    expect(outcomes.items.map((o) => `${o.user_role}:${o.database}:${o.status}`)).toEqual(
      ['hoop_ddl', 'hoop_ro', 'hoop_rw'].flatMap((u) => ['app1', 'app2', 'postgres'].map((d) => `${u}:${d}:completed`)),
    );
    for (const step of ['Prepare', 'EnsureSecurityGroup', 'MasterCredentials', 'WaitMasterApplied', 'ProvisionRole:ro', 'ProvisionRole:rw', 'ProvisionRole:ddl', 'Finalize', 'RunHook', 'Notify']) {
      expect(job.steps[step]?.status, step).toBe('completed');
    }
    expect(ec2.commandCalls(CreateSecurityGroupCommand)[0]?.args[0].input).toMatchObject({ GroupName: 'hoop-aws-connect-sg-pg-one', VpcId: 'vpc-0abc' });
    expect(job.webhook).toEqual({ sent: true, message: expect.stringMatching(/^sent as Svix message msg_\d+$/) });

    // One Modify set the password and attached the group (RDS refuses a second while the first applies),
    // RDS said "resetting" before "available", and dbroles holds the live password.
    await rds.settled();
    expect(modifyCalls).toEqual([{ kind: 'instance', id: 'pg-one', password: expect.any(String), securityGroupIds: ['sg-0default', 'sg-0hoop'] }]);
    expect(rds.instances.get('pg-one')?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual(['sg-0default', 'sg-0hoop']);
    expect(rds.statusSeen).toContain('resetting-master-credentials');
    expect(master?.pending).toBeUndefined();
    expect(master?.current).toBe(modifyCalls[0]?.password);
    expect(masterLogin).toEqual({ ok: true });
    expect(initialLogin.ok).toBe(false);

    // The users work as their tier, with the passwords dbroles stored.
    const login = async (user: string) => ({ ...superuser('app2'), user, password: (await roleSecrets().read(`${arnOf('pg-one')}/${user}`)).password });
    expect(await pgTry(await login('hoop_ro'), ['SELECT * FROM sales.orders'])).toEqual({ ok: true });
    expect(await pgTry(await login('hoop_ro'), ['BEGIN READ WRITE', "INSERT INTO sales.orders (item) VALUES ('x')"])).toMatchObject({ ok: false, code: '42501' });
    expect(await pgTry(await login('hoop_rw'), ["INSERT INTO sales.orders (item) VALUES ('rw')"])).toEqual({ ok: true });
    expect(await pgTry(await login('hoop_ddl'), ['CREATE TABLE sales.t (id int)', 'DROP TABLE sales.t'])).toEqual({ ok: true });

    // Resource roles reference the stored credentials.
    const connections = (await new DynamoConnectionStore(doc(), TABLE).list()).filter((c) => c.name.startsWith('pg-one-'));
    expect(connections.map((c) => c.name).sort()).toEqual(['pg-one-ddl', 'pg-one-ro', 'pg-one-rw']);
    for (const c of connections) {
      expect(c.tags).toEqual({ 'hoop.dev/aws-connect.dbarn': arnOf('pg-one') });
      expect(c.env.PASS).toEqual({ secret_ref: { provider: 'database', secret_id: `${arnOf('pg-one')}/hoop_${c.role_suffix_name}` } });
      expect(c.env.USER).toEqual({ value: `hoop_${c.role_suffix_name}` });
    }

    // The webhook carried the job object.
    // This job's webhook (other tests send theirs to the same capture).
    const messages = svix.messages().filter((m) => (m.payload.event_payload as { id?: string }).id === id);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.eventType).toBe('dbroles.job.finished');
    expect(messages[0]?.payload.event_type).toBe('dbroles.job.finished');
    const payload = messages[0]?.payload.event_payload as Job;
    expect(payload.id).toBe(id);
    expect(payload.spec).toEqual(job.spec);
    expect(payload.status).toEqual(job.status);
    expect(payload.completed_at).toBe(job.completed_at);
    // The seed's example hook ran after Finalize and before Notify: on the job and in the webhook.
    expect(job.hook_status?.exit_code, job.hook_status?.output).toBe(0);
    expect(job.hook_status?.output).toContain('credentials role password -> REDACTED');
    expect(payload.hook_status).toEqual(job.hook_status);
    expect(payload.status.result.map((r) => r.credentials_info)).toEqual(
      ['ro', 'rw', 'ddl'].map((t) => ({ secrets_manager_provider: 'database', secret_id: `${arnOf('pg-one')}/hoop_${t}`, secret_keys: [] })),
    );
    expect(svix.requests.filter((r) => /\/msg/.test(r.path)).every((r) => /^\/api\/v1\/app\/org-test\/msg\b/.test(r.path))).toBe(true);

    // No secret anywhere a user or a webhook can see.
    const visible = JSON.stringify([await jobs().get(id), svix.requests.map((r) => r.body), connections]);
    for (const secret of await secretsOf(arnOf('pg-one'))) expect(visible).not.toContain(secret);
  });

  it('reuses the stored master and user passwords on the next job instead of resetting them', async () => {
    await provisionPgOne();
    const before = rds.modifyCalls.length;
    const passwords = async () => Promise.all(['hoop_ro', 'hoop_rw', 'hoop_ddl'].map(async (u) => (await roleSecrets().read(`${arnOf('pg-one')}/${u}`)).password));
    const earlier = await passwords();
    const { outcome, job } = await reprovisionPgOne();
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    expect(job.status.phase).toBe('completed');
    expect(rds.modifyCalls).toHaveLength(before);
    expect(job.steps.WaitMasterApplied).toBeUndefined();
    expect(job.steps.Notify).toMatchObject({ status: 'skipped' });
    expect(await passwords()).toEqual(earlier);
    expect(await pgTry({ ...superuser('app1'), user: 'hoop_ro', password: earlier[0] }, ['SELECT 1'])).toEqual({ ok: true });
  });

  it('runs every branch of every Choice, so no rule the local runner misreads can hide a step', async () => {
    // The jobs that take each branch: a security group and a reset (the wait loop), then neither.
    await provisionPgOne();
    await reprovisionPgOne();
    const asl = renderWorkflowAsl() as { States: Record<string, { Type: string; Choices?: Array<{ Next: string }>; Default?: string }> };
    const choices = Object.entries(asl.States).filter(([, s]) => s.Type === 'Choice');
    expect(choices.map(([name]) => name).sort()).toEqual(['EngineFamily?', 'MasterAppliedMysql?', 'MasterAppliedPostgres?', 'MasterAppliedSqlServer?', 'SecurityGroupRequested?']);
    // These jobs run on PostgreSQL. The other families' branches are the same states with another
    // suffix (and the same rules): checked by shape, since no MySQL or SQL Server RDS runs here.
    const renamed = (family: string) =>
      JSON.stringify(Object.fromEntries(Object.entries(asl.States).filter(([name]) => name.includes(family)).map(([name, state]) => [name.replace(family, 'F'), state]))).replaceAll(family, 'F');
    expect(renamed('Mysql')).toBe(renamed('Postgres'));
    expect(renamed('SqlServer')).toBe(renamed('Postgres'));
    const engineFamily = asl.States['EngineFamily?'] as { Choices: Array<{ Next: string }>; Default: string };
    expect(engineFamily.Choices.map((c) => c.Next)).toEqual(['MasterCredentialsPostgres', 'MasterCredentialsMysql', 'MasterCredentialsSqlServer']);
    expect(asl.States[engineFamily.Default]).toMatchObject({ Type: 'Pass', Next: 'RecordFailure' });
    for (const [name, choice] of choices.filter(([name]) => !/Mysql|SqlServer/.test(name))) {
      const nexts = [...(choice.Choices ?? []).map((c) => c.Next), choice.Default ?? ''].filter((next) => name !== 'EngineFamily?' || next === 'MasterCredentialsPostgres');
      for (const next of nexts) {
        const taken = runs.some((states) => states.some((s, i) => s === name && states[i + 1] === next));
        expect(taken, `${name} → ${next} ran in some job`).toBe(true);
      }
    }
  });
});
