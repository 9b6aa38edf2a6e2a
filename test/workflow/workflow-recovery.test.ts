import { describe, expect, it } from 'vitest';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoConnectionStore } from '../../lambdas/core/store/connection-store.ts';
import { masterCredentialKey } from '../../lambdas/core/store/keys.ts';
import { lambdaTaskHandlers } from '../../local/lambda-handlers.ts';
import { LocalWorkflowRunner } from '../../local/workflow-runner.ts';
import { pgTry } from '../support/pg.ts';
import { arnOf, createJob, credentials, doc, MASTER, provisionPgOne, rds, runJob, setUpWorkflowHarness, sql, superuser, svix, TABLE } from './harness.ts';

setUpWorkflowHarness();

describe('the state machine, run locally: crashes and failed roles', () => {
  it('recovers from a crash right after Modify and before promote with the pending password', async () => {
    // Forget the stored master, as a new deployment would: the next job must reset it.
    await doc().send(new DeleteCommand({ TableName: TABLE, Key: masterCredentialKey(arnOf('pg-one'), MASTER) }));
    let crashed = false;
    const crashing = new LocalWorkflowRunner(
      {
        ...lambdaTaskHandlers,
        MasterCredentials: async (input) => {
          const out = await lambdaTaskHandlers.MasterCredentials(input);
          if (!crashed) {
            crashed = true;
            const stored = await credentials().getMaster(arnOf('pg-one'), MASTER);
            expect(stored?.pending, 'written ahead before the crash').toBeTruthy();
            throw new Error('simulated crash after ModifyDBInstance');
          }
          return out;
        },
      },
      { waitMs: 50, retryMs: 10 },
    );
    const before = rds.modifyCalls.length;
    const id = await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: [] });
    const { outcome, job } = await runJob(id, crashing);
    expect(crashed).toBe(true);
    expect(outcome.status, job.status.message).toBe('SUCCEEDED');
    expect(job.status.phase).toBe('completed');
    await rds.settled();
    const passwords = rds.modifyCalls.slice(before).map((c) => c.password);
    expect(passwords.length).toBeGreaterThanOrEqual(1);
    expect(new Set(passwords).size, 'the retry reused the pending password').toBe(1);
    const master = await credentials().getMaster(arnOf('pg-one'), MASTER);
    expect(master?.current).toBe(passwords[0]);
    expect(master?.pending).toBeUndefined();
    expect(await pgTry({ ...superuser('app1'), user: MASTER, password: master?.current }, ['SELECT 1'])).toEqual({ ok: true });
  });

  it('completes the other roles when one fails, fails the job with the seed message, and creates resource roles only for the successes', async () => {
    await provisionPgOne();
    await sql(['ALTER ROLE hoop_ro SUPERUSER']);
    try {
      const id = await createJob({ aws: { instance_arn: arnOf('pg-one') }, connection_prefix_name: 'partial' });
      const { outcome, job } = await runJob(id);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(job.status.phase).toBe('failed');
      expect(job.status.message).toBe('One or more user roles failed to be provisioned');
      const byTier = Object.fromEntries(job.status.result.map((r) => [r.role_suffix_name, r]));
      expect(byTier.ro).toMatchObject({ status: 'failed', credentials_info: null });
      expect(byTier.ro?.message).toMatch(/role "hoop_ro" already exists with SUPER/);
      expect(byTier.rw?.status).toBe('completed');
      expect(byTier.ddl?.status).toBe('completed');
      const names = (await new DynamoConnectionStore(doc(), TABLE).list()).map((c) => c.name).filter((n) => n.startsWith('partial-'));
      expect(names.sort()).toEqual(['partial-ddl', 'partial-rw']);
      expect(svix.messages().at(-1)?.payload.event_payload.id).toBe(id);
    } finally {
      await sql(['ALTER ROLE hoop_ro NOSUPERUSER']);
    }
  });

  it('turns a role task that keeps crashing into a failed result inside the Map, and finishes the job', async () => {
    const crashingRw = new LocalWorkflowRunner(
      {
        ...lambdaTaskHandlers,
        ProvisionRole: async (input) => {
          if ((input as { tier: string }).tier === 'rw') throw new TypeError('simulated Lambda crash');
          return lambdaTaskHandlers.ProvisionRole(input);
        },
      },
      { waitMs: 50, retryMs: 10 },
    );
    const id = await createJob({ aws: { instance_arn: arnOf('pg-one') }, job_steps: [] });
    const { outcome, job } = await runJob(id, crashingRw);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(job.status.phase).toBe('failed');
    const rw = job.status.result.find((r) => r.role_suffix_name === 'rw');
    expect(rw).toMatchObject({ user_role: 'hoop_rw', status: 'failed', message: 'provisioning the rw user did not finish: TypeError', credentials_info: null });
    expect(new Date(rw?.completed_at ?? '').getTime()).toBeGreaterThan(0);
    expect(job.status.result.filter((r) => r.status === 'completed').map((r) => r.role_suffix_name)).toEqual(['ro', 'ddl']);
  });
});
