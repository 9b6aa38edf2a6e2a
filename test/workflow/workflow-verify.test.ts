import { describe, expect, it } from 'vitest';
import { JobRequestInputSchema } from '../../lambdas/core/job.ts';
import { arnOf, createJob, provisionPgOne, rds, runJob, setUpWorkflowHarness, sql, superuser } from './harness.ts';

setUpWorkflowHarness();

const findings = (job: Awaited<ReturnType<typeof runJob>>['job']) =>
  job.status.result.flatMap((r) => (r.verify?.first_findings ?? []).map((f) => `${r.role_suffix_name} ${f.kind} ${f.database} ${f.object} ${f.privilege}`));

describe('the verify step and verify_only jobs, run locally with the real task handlers', () => {
  it('verifies after provisioning, finds a hand-made revoke with verify_only (changing nothing), and a rerun clears it', async () => {
    await provisionPgOne();
    const withVerify = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: ['verify'] }));
    expect(withVerify.job.status.phase, withVerify.job.status.message).toBe('completed');
    expect(withVerify.job.verify).toEqual({ status: 'clean', summary: { missing: 0, login_failed: 0, extra: 0 } });
    for (const r of withVerify.job.status.result) expect(r.verify?.status, r.message).toBe('clean');

    await sql(['REVOKE SELECT ON sales.orders FROM hoop_ro'], superuser('app2'));
    await sql(['GRANT INSERT ON sales.orders TO hoop_rw'], superuser('app1'));
    // What hoop_ddl creates later must stay readable by hoop_ro: checked per tier, with its ddl peer.
    await sql(['ALTER DEFAULT PRIVILEGES FOR ROLE hoop_ddl REVOKE SELECT ON TABLES FROM hoop_ro'], superuser('app1'));
    try {
      const modifies = rds.modifyCalls.length;
      const verifyOnly = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-one') }, verify_only: true }));
      expect(verifyOnly.outcome.status).toBe('SUCCEEDED');
      expect(verifyOnly.job.status.phase).toBe('failed');
      expect(verifyOnly.job.status.message).toBe('verify only: 2 missing, 0 login failed, 0 extra; nothing was changed');
      // INSERT is within rw's tier; the revokes on ro are the drift.
      expect(findings(verifyOnly.job)).toEqual(['ro missing app1 default privileges of hoop_ddl SELECT on new tables', 'ro missing app2 sales.orders SELECT']);
      expect(verifyOnly.job.status.result.find((r) => r.role_suffix_name === 'ro')).toMatchObject({ status: 'failed', credentials_info: null });
      expect(verifyOnly.job.steps.RunHook?.message).toBe('verify only: the hook runs only after provisioning');
      expect(rds.modifyCalls).toHaveLength(modifies);
      await sql(['GRANT UPDATE ON sales.orders TO hoop_ro'], superuser('app1'));
      const rerun = await runJob(await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: ['verify'] }));
      // dbroles grants what is missing and never revokes: the extra UPDATE stays, as a warning.
      expect(rerun.job.status.phase, rerun.job.status.message).toBe('completed');
      // Seen twice: in the catalogs, and by the login check, whose refused action (a lock for writing) was allowed.
      expect(rerun.job.verify).toEqual({ status: 'warnings', summary: { missing: 0, login_failed: 0, extra: 2 } });
      expect(findings(rerun.job)).toEqual(['ro extra app1 login lock sales.orders for writing', 'ro extra app1 sales.orders UPDATE']);
    } finally {
      await sql(['REVOKE UPDATE ON sales.orders FROM hoop_ro'], superuser('app1'));
      await sql(['REVOKE INSERT ON sales.orders FROM hoop_rw'], superuser('app1')).catch(() => undefined);
    }
  });

  it('refuses verify_only with anything that changes the database, naming the fields', () => {
    const parsed = JobRequestInputSchema.safeParse({
      connection_prefix_name: 'x',
      verify_only: true,
      rotate_passwords: true,
      aws: { instance_arn: arnOf('pg-one'), default_security_group: { ingress_cidr: '10.0.0.1/32' } },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toContain('changes nothing, so it cannot be combined with rotate_passwords, aws.default_security_group');
  });
});
